"""Fixtures for the deployment checks: tool lookup and a moto server on loopback."""

from __future__ import annotations

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
