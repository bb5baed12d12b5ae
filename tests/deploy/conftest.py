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

import pytest

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
    call. Yields the IAM actions of the calls, as evaluated.
    """
    from moto.iam import access_control

    calls: list[str] = []
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

    def reset_auth(count: str) -> None:
        post = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count.encode(),
                                      headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(post) as response:
            response.read()

    patches = pytest.MonkeyPatch()
    patches.setattr(request, "check_signature", lambda self: None)
    patches.setattr(request, "check_action_permitted", check_action_permitted)
    patches.setattr(statement, "_check_element_matches", check_element_matches)
    reset_auth("0")
    try:
        yield calls
    finally:
        reset_auth("inf")
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
