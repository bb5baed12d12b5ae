"""Terraform runs of deploy/terraform against moto: the test variables, the provider override
that sends every call to moto, and Stack, an applied copy of the module."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

# Services the module calls: the test provider sends every one of them to moto.
MOTO_SERVICES = (
    "acm",
    "apigatewayv2",
    "budgets",
    "ce",
    "cloudfront",
    "cloudwatch",
    "cloudwatchlogs",
    "cognitoidp",
    "ec2",
    "ecr",
    "efs",
    "elasticache",
    "events",
    "iam",
    "lambda",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "sts",
)

# moto 5.2 lacks these (calls hang or fail), so the end-to-end run turns them off.
MOTO_TOGGLES = {
    "enable_redis": "false",  # ElastiCache Serverless is not implemented
    "enable_budget": "false",  # Budgets calls hang
    "enable_cost_anomaly": "false",  # Cost Explorer anomaly monitors are not implemented
    "efs_enforce_policy": "false",  # DeleteFileSystemPolicy answers 500, destroy would hang
    "jwks_refresh_on_apply": "false",  # invoking an image function needs Docker in moto
}

# Keys moto takes while it does not check IAM.
MOTO_KEYS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}

TEST_VARS = {
    **MOTO_TOGGLES,
    "enable_frontend": "true",
    "rds_deletion_protection": "false",
    "cognito_deletion_protection": "false",
    "secret_recovery_window_days": "0",
    "cors_allowed_origins": '["https://app.example.com"]',
    "cognito_callback_urls": '["https://app.example.com/auth/callback"]',
    "image_digest": "sha256:" + "a" * 64,
}


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> str:
    """Run a command; fail the test with its output when it exits nonzero."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(args[:3])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def var_args(variables: dict[str, str]) -> list[str]:
    return [f"-var={key}={value}" for key, value in variables.items()]


def plan_json(terraform: str, workdir: Path, env: dict[str, str], variables: dict[str, str],
              name: str) -> dict[str, Any]:  # fmt: skip
    """`terraform show -json` of a plan saved as <name>. Without the state lock, so that plans
    of several variable sets can run at once in one working directory (a plan writes no state).
    """
    run([terraform, "plan", "-input=false", "-no-color", "-lock=false", f"-out={name}",
         *var_args(variables)], workdir, env)  # fmt: skip
    return json.loads(run([terraform, "show", "-json", name], workdir, env))


def at_once(calls: dict[str, Any], workers: int = 4) -> dict[str, Any]:
    """{key: function()} of every function, run in threads: terraform mostly waits on moto."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(function) for key, function in calls.items()}
        return {key: future.result() for key, future in futures.items()}


def in_background(function, *args) -> Future:
    """Start function(*args) in a thread of its own; result() waits for it (and re-raises)."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)
    return future


def provider_override(endpoint: str) -> str:
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in MOTO_SERVICES)
    return f"""# Test only: every AWS call goes to moto's server.
provider "aws" {{
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
"""


def clients(endpoint: str, keys: dict[str, str]):
    """boto3 client factory bound to moto, signing with the given access key."""
    boto3 = pytest.importorskip("boto3")

    def client(service: str):
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"])  # fmt: skip

    return client


class Stack:
    """The module applied to moto, in the background from start() on: outputs() waits for the
    apply. start_destroy() destroys it in the background, destroy() waits for that."""

    def __init__(self, workdir: Path, terraform_bin: str, env: dict[str, str],
                 variables: dict[str, str], plugin_dir: Path | None = None) -> None:  # fmt: skip
        self.workdir, self.terraform, self.env = workdir, terraform_bin, env
        self.plugin_dir = plugin_dir
        self.var_args = var_args(variables)
        self._applied: Future | None = None
        self._destroyed: Future | None = None
        self._waited = False

    def start(self) -> None:
        if self._applied is None:
            self._applied = in_background(self._apply)

    def outputs(self) -> dict[str, Any]:
        self.start()
        assert self._applied is not None
        return self._applied.result()

    def _apply(self) -> dict[str, Any]:
        """Plan to a file (kept for planned()), apply that plan, return the outputs."""
        run([self.terraform, "plan", "-input=false", "-no-color", "-out=tfplan", *self.var_args],
            self.workdir, self.env)  # fmt: skip
        plan = run([self.terraform, "show", "-json", "tfplan"], self.workdir, self.env)
        self.plan = json.loads(plan)
        run([self.terraform, "apply", "-input=false", "-no-color", "tfplan"],
            self.workdir, self.env, timeout=420)  # fmt: skip
        out = run([self.terraform, "output", "-json"], self.workdir, self.env)
        return {key: value["value"] for key, value in json.loads(out).items()}

    def planned(self, address: str) -> dict[str, Any]:
        """Attribute values Terraform planned for one resource (known before apply)."""
        self.outputs()
        found = [r["values"] for r in self.plan["planned_values"]["root_module"]["resources"]
                 if r["address"] == address]  # fmt: skip
        assert found, f"{address} is not in the plan"
        return found[0]

    def _destroy(self) -> None:
        if self._applied is not None:  # whatever the apply made, once it has stopped
            self._applied.exception()
        # The state is Terraform's latest (releases apply through Terraform too): no refresh.
        run([self.terraform, "destroy", "-auto-approve", "-input=false", "-no-color",
             "-refresh=false", *self.var_args], self.workdir, self.env, timeout=420)  # fmt: skip

    def start_destroy(self) -> None:
        if self._destroyed is None:
            self._destroyed = in_background(self._destroy)

    def destroy(self) -> None:
        """Destroy and wait for it; its failure is raised once (later calls do nothing)."""
        self.start_destroy()
        assert self._destroyed is not None
        if not self._waited:
            self._waited = True
            self._destroyed.result()
