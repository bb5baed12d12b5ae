"""Fixtures for the deployment checks: tool lookup and a moto server on loopback."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.deploy.stacks import MOTO_KEYS, TEST_VARS, Stack, clients, provider_override

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "deploy" / "terraform"


def load_script(name: str) -> ModuleType:
    """Import deploy/<name>.py (the deploy folder is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "deploy" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _tool(name: str, env_var: str) -> str:
    configured = os.environ.get(env_var)
    path = configured if configured and Path(configured).is_file() else shutil.which(name)
    if not path:
        pytest.skip(f"{name} not found: put it on PATH or set {env_var}")
    return path


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    """Path of the terraform binary (PATH or TERRAFORM_BIN)."""
    return _tool("terraform", "TERRAFORM_BIN")


@pytest.fixture(scope="session")
def checkov_bin() -> str:
    """Path of checkov (CHECKOV_BIN or PATH)."""
    return _tool("checkov", "CHECKOV_BIN")


@pytest.fixture(scope="session")
def hadolint_bin() -> str:
    """Path of hadolint (HADOLINT_BIN or PATH)."""
    return _tool("hadolint", "HADOLINT_BIN")


@pytest.fixture(scope="session")
def tf_plugin_dir() -> Path:
    """Local provider mirror holding registry.terraform.io/hashicorp/aws (TF_PLUGIN_DIR)."""
    path = Path(os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins"))
    if not (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(
            f"no AWS provider mirror at {path}: set TF_PLUGIN_DIR (terraform init is offline)"
        )
    return path


@pytest.fixture(scope="session")
def tf_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for terraform: an empty CLI config (the ambient one may be missing)."""
    cli_config = tmp_path_factory.mktemp("tfcli") / "terraformrc"
    cli_config.write_text("")
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }


@pytest.fixture(scope="session")
def module_copy(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_bin: str,
    tf_plugin_dir: Path,
    tf_env: dict[str, str],
):
    """Factory: a fresh copy of deploy/terraform, initialised offline from the provider mirror."""

    def make(name: str) -> Path:
        # The module under root/deploy/terraform, with the service file it reads (CORS policy).
        root = tmp_path_factory.mktemp(name)
        workdir = root / "deploy" / "terraform"
        shutil.copytree(
            TERRAFORM_DIR,
            workdir,
            ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "*.tfvars"),
        )
        (root / "concert").mkdir()
        shutil.copy(REPO_ROOT / "concert" / "cors.json", root / "concert" / "cors.json")
        args = [terraform_bin, "init", "-backend=false", "-input=false",
                f"-plugin-dir={tf_plugin_dir}"]  # fmt: skip
        result = subprocess.run(args, cwd=workdir, env=tf_env, capture_output=True, text=True,
                                timeout=300, check=False)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return workdir

    return make


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_moto(endpoint: str) -> None:
    """Empty every moto backend (IAM comes back with the AWS managed policies)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request) as response:
        response.read()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1: clients talk real HTTP to it."""
    server_module = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    reset_moto(endpoint)
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """Fake credentials and AWS_ENDPOINT_URL for boto3 and child processes; a clean moto."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    reset_moto(moto_endpoint)
    return moto_endpoint


class InProcessLambda:
    """A Lambda client on moto whose invoke runs this checkout's handler in this process.

    moto runs a function only inside a Docker container and CI has no Docker daemon, so the
    invocation itself runs here, against the test database and Redis: every other call
    (versions, aliases) is moto's. The qualifier must name a version or alias moto knows, and
    an exception in the handler comes back the way Lambda reports it for Python: FunctionError
    "Unhandled" and a payload with errorMessage and errorType.
    """

    def __init__(self, moto_client) -> None:
        self.moto = moto_client
        self.invocations: list[tuple[str, dict]] = []

    def __getattr__(self, name: str):
        return getattr(self.moto, name)

    def invoke(self, *, FunctionName: str, Qualifier: str, Payload: bytes, **_) -> dict:
        import io
        import json

        from concert.lambda_handler import handler
        from tests.core.events import lambda_context

        self.moto.get_function(FunctionName=FunctionName, Qualifier=Qualifier)  # must exist
        event = json.loads(Payload)
        self.invocations.append((Qualifier, event))
        response: dict = {"StatusCode": 200, "ExecutedVersion": Qualifier}
        try:
            result = handler(event, lambda_context())
        except Exception as error:  # what Lambda's Python runtime does with it
            response["FunctionError"] = "Unhandled"
            result = {"errorMessage": str(error), "errorType": type(error).__name__}
        response["Payload"] = io.BytesIO(json.dumps(result).encode())
        return response


def iam_action(moto_action: str) -> str:
    """The IAM action AWS evaluates for a call moto names <signing name>:<operation>."""
    service, operation = moto_action.split(":", 1)
    if service == "monitoring":  # CloudWatch signs as "monitoring"
        return f"cloudwatch:{operation}"
    if service == "apigateway":  # API Gateway's IAM actions are the HTTP verbs
        verbs = {"Get": "GET", "Create": "POST", "Import": "POST", "Tag": "POST",
                 "Update": "PATCH", "Reimport": "PUT", "Delete": "DELETE", "Untag": "DELETE"}
        return "apigateway:" + next(v for k, v in verbs.items() if operation.startswith(k))
    renamed = {"s3:HeadBucket": "s3:ListBucket",
               "cloudfront:CreateDistributionWithTags": "cloudfront:CreateDistribution"}
    return renamed.get(moto_action, moto_action)


def patch_iam_checks(calls: list[str]) -> pytest.MonkeyPatch:
    """This process's moto checks IAM as iam_enforced says; calls gets each action evaluated."""
    from moto.iam import access_control

    request = access_control.IAMRequestBase
    statement = access_control.IAMPolicyStatement
    original_check = request.check_action_permitted
    original_match = statement._check_element_matches

    def check_action_permitted(self, resource: str) -> None:
        self._action = iam_action(self._action)
        calls.append(self._action)
        original_check(self, resource)

    def check_element_matches(self, element, value: str) -> bool:
        return (element == "Resource" and value == "*") or original_match(self, element, value)

    patches = pytest.MonkeyPatch()
    patches.setattr(request, "check_signature", lambda self: None)
    patches.setattr(request, "check_action_permitted", check_action_permitted)
    patches.setattr(statement, "_check_element_matches", check_element_matches)
    return patches


def reset_auth(endpoint: str, count: str) -> None:
    """moto checks IAM after `count` more requests ("0": from now on, "inf": never)."""
    post = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count.encode(),
                                  headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(post) as response:
        response.read()


@contextlib.contextmanager
def iam_enforced(endpoint: str) -> Iterator[list[str]]:
    """moto's IAM enforcement on: every call needs a known key and a policy allowing it.

    moto 5.2 evaluates identity policies only by action name, except for S3 objects and
    buckets and existing IAM roles, where it also knows the resource. Three of its gaps are
    bridged here, nothing else: it recomputes SigV4 wrongly for REST GET calls (API Gateway
    v2, EFS, CloudFront answer SignatureDoesNotMatch to valid keys), so the signature
    comparison is left out (unknown keys are still refused); it names actions by signing name
    and operation, so they are translated to the IAM actions AWS documents (iam_action); and
    where it does not know the resource ("*") a statement's Resource is not held against the
    call. Yields the IAM actions of the calls, as evaluated. (A server in its own process
    gets the same checks from moto_process.py.)
    """
    calls: list[str] = []
    patches = patch_iam_checks(calls)
    reset_auth(endpoint, "0")
    try:
        yield calls
    finally:
        reset_auth(endpoint, "inf")
        patches.undo()


def user_with_keys(iam, name: str, *, groups: tuple[str, ...] = (),
                   policies: tuple[str, ...] = ()) -> dict[str, str]:
    """A new IAM user in the groups, with the AWS managed policies, and its access key."""
    iam.create_user(UserName=name)
    for group in groups:
        iam.add_user_to_group(GroupName=group, UserName=name)
    for policy in policies:
        iam.attach_user_policy(UserName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}  # fmt: skip


# --- The stacks: applied to moto servers of their own, from the first deployment test on ----


@pytest.fixture(scope="session")
def moto_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Factory: moto's server in a process of its own (moto_process.py); its endpoint.
    With a calls file, its IAM checks are iam_enforced's and it logs the actions there."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    processes: list[subprocess.Popen] = []

    def start(calls_file: Path | None = None) -> str:
        log = tmp_path_factory.mktemp("moto") / "stderr"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.deploy.moto_process",
                 *([str(calls_file)] if calls_file else [])],
                cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True,
            )  # fmt: skip
        processes.append(process)
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"moto did not start: {log.read_text()}"
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=60)


@pytest.fixture(scope="session")
def stack_moto(moto_process, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The default stack's moto server (IAM checked as iam_enforced says) and its calls log."""
    calls = tmp_path_factory.mktemp("iam") / "calls"
    return moto_process(calls), calls


@pytest.fixture(scope="session")
def people(stack_moto: tuple[str, Path]) -> dict[str, dict[str, str]]:
    """The IAM groups made by deploy/iam_groups.py and three users' keys: the deployer (in
    <name>-deployment only), an outsider (no policy) and the inspector (AdministratorAccess)
    whose clients the checks read the stack with."""
    endpoint = stack_moto[0]
    iam = clients(endpoint, MOTO_KEYS)("iam")
    inspector = user_with_keys(iam, "inspector", policies=("AdministratorAccess",))
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {**inspector, "AWS_ENDPOINT_URL": endpoint,
                           "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
            patch.setenv(key, value)
        patch.setattr("boto3.DEFAULT_SESSION", None)
        load_script("iam_groups").provision("concert-prod", Path(os.devnull))
    return {
        "inspector": inspector,
        "deployer": user_with_keys(iam, "deployer", groups=("concert-prod-deployment",)),
        "outsider": user_with_keys(iam, "outsider"),
    }


@pytest.fixture(scope="session")
def enforced(stack_moto: tuple[str, Path], people) -> Iterator:
    """IAM enforcement on the stack's server for its apply, release and destroy; calling it
    gives the IAM actions evaluated so far."""
    endpoint, calls = stack_moto
    reset_auth(endpoint, "0")
    yield lambda: calls.read_text().split()
    reset_auth(endpoint, "inf")


@pytest.fixture(scope="session")
def stack(module_copy, terraform_bin: str, tf_env: dict[str, str], tf_plugin_dir: Path,
          stack_moto: tuple[str, Path], people, enforced) -> Iterator[Stack]:  # fmt: skip
    """The module applied by the deployer: a member of <name>-deployment and nothing else."""
    workdir = module_copy("stack")
    (workdir / "provider_override.tf").write_text(provider_override(stack_moto[0]))
    env = {**tf_env, **people["deployer"]}
    env.pop("AWS_PROFILE", None)
    deployed = Stack(workdir, terraform_bin, env, TEST_VARS, tf_plugin_dir)
    deployed.start()
    try:
        yield deployed
    finally:
        deployed.destroy()


@pytest.fixture(scope="session")
def outputs(stack: Stack) -> dict[str, Any]:
    return stack.outputs()


@pytest.fixture(scope="session")
def boto(stack_moto: tuple[str, Path], people):
    """boto3 clients bound to the stack's moto, as the inspector."""
    return clients(stack_moto[0], people["inspector"])


@pytest.fixture(scope="session")
def proxy_moto(moto_process) -> str:
    return moto_process()


@pytest.fixture(scope="session")
def proxy_stack(module_copy, terraform_bin: str, tf_env: dict[str, str], proxy_moto: str
                ) -> Iterator[Stack]:  # fmt: skip
    """The whole stack with enable_rds_proxy (and its own names), on a moto of its own."""
    workdir = module_copy("proxy")
    (workdir / "provider_override.tf").write_text(provider_override(proxy_moto))
    env = {**tf_env, **MOTO_KEYS}
    env.pop("AWS_PROFILE", None)
    variables = {**TEST_VARS, "environment": "proxy", "enable_rds_proxy": "true",
                 "enable_frontend": "false"}  # fmt: skip
    deployed = Stack(workdir, terraform_bin, env, variables)
    deployed.start()
    try:
        yield deployed
    finally:
        deployed.destroy()


@pytest.fixture(scope="session", autouse=True)
def _stacks_apply_first(request: pytest.FixtureRequest) -> None:
    """An apply takes minutes, nearly all of it in the AWS provider's waiters (the database
    instance alone about a minute and a half): the stacks the selected tests use start at
    the first deployment test, in the background, and the other checks run meanwhile. A
    stack that cannot start fails (or skips) the tests that use it, not this one."""
    used = {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
    for name in ("stack", "proxy_stack"):
        if name in used:
            with contextlib.suppress(Exception, pytest.skip.Exception, pytest.fail.Exception):
                request.getfixturevalue(name)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """The deployment tests run module by module in file order: pytest-django would run the
    ones using the database first and split their modules (a module's plans or stack set up
    twice, the stacks' tests no longer after the rest). They go after the other database
    tests and before the transactional ones, in the order pytest-django keeps for the rest."""
    collected = {item: index for index, item in enumerate(items)}
    yield
    here = Path(__file__).parent
    deploy = sorted((item for item in items if here in item.path.parents), key=collected.get)
    if not deploy:
        return
    rest = [item for item in items if here not in item.path.parents]
    cut = next((n for n, item in enumerate(rest) if _transactional(item)), len(rest))
    items[:] = rest[:cut] + deploy + rest[cut:]


def _transactional(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a transactional one (by its marker or fixtures)."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker and any(validate_django_db(marker)[:2]):  # transaction, reset_sequences
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))
