"""Release tool: build the image, push it to ECR, terraform apply it, migrate, smoke-test."""

from __future__ import annotations

import argparse
import base64
import json
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TERRAFORM_DIR = Path(__file__).resolve().parent / "terraform"
MIGRATE = ["migrate", "--noinput"]


class StepFailed(Exception):
    """A release step failed; the message says why in one line."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"step '{step}' failed: {reason}")
        self.step = step


def aws_client(service: str, region: str | None) -> Any:
    """A boto3 client (boto3 is imported only when a step talks to AWS)."""
    import boto3

    return boto3.client(service, region_name=region)


def default_tag() -> str:
    """Short git commit plus UTC time, unique for immutable ECR tags."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    commit = result.stdout.strip() if result.returncode == 0 else "build"
    return f"{commit}-{stamp}"


def ecr_credentials(client: Any) -> tuple[str, str, str]:
    """(user, password, registry) for `docker login`, from ecr get_authorization_token."""
    data = client.get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    return user, password, data["proxyEndpoint"].removeprefix("https://")


def image_digest(client: Any, repository_url: str, tag: str) -> str:
    """Digest (sha256:...) of the pushed tag, as ECR knows it."""
    name = repository_url.split("/", 1)[1]
    images = client.describe_images(repositoryName=name, imageIds=[{"imageTag": tag}])
    return images["imageDetails"][0]["imageDigest"]


def invoke_manage(client: Any, function_name: str, command: list[str]) -> str:
    """Run a management command through a direct invocation; raise on a nonzero exit."""
    response = client.invoke(
        FunctionName=function_name,
        InvocationType="RequestResponse",
        Payload=json.dumps({"manage": command}).encode(),
    )
    body = response["Payload"].read().decode() or "{}"
    if response.get("FunctionError"):
        raise StepFailed("migrate", f"function error {response['FunctionError']}: {body[:300]}")
    result = json.loads(body)
    status = result.get("exit_status")
    if status != 0:
        last = (result.get("output") or "").strip().splitlines()[-1:] or ["no output"]
        raise StepFailed("migrate", f"{' '.join(command)} exited {status}: {last[0]}")
    return result.get("output", "")


def smoke_test(url: str, attempts: int = 5, delay: float = 3.0, timeout: float = 10.0) -> None:
    """GET url until it answers 200 (cold starts get a few tries)."""
    problem = "no attempt"
    for attempt in range(attempts):
        if attempt:
            time.sleep(delay)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - https URL from Terraform
                if response.status == 200:
                    return
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            problem = f"HTTP {error.code}"
        except (urllib.error.URLError, TimeoutError) as error:
            problem = str(getattr(error, "reason", error))
    raise StepFailed("smoke-test", f"GET {url} answered {problem}, expected 200")


@dataclass
class Release:
    """One release run; with dry_run every step prints its commands and runs nothing."""

    tag: str
    terraform_dir: Path = TERRAFORM_DIR
    context: Path = REPO_ROOT
    platform: str = "linux/amd64"
    local_image: str = "concert-api"
    repository_url: str | None = None
    var_files: list[str] = field(default_factory=list)
    region: str | None = None
    dry_run: bool = False
    skip_migrate: bool = False
    skip_smoke: bool = False
    digest: str = "<digest>"
    outputs: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> None:
        print(text, flush=True)

    def command(
        self,
        step: str,
        args: list[str],
        stdin: str | None = None,
        shown: str = "",
        capture: bool = False,
    ) -> str:
        """Print a command, then run it (unless dry run); a nonzero exit fails the step."""
        self.say(f"    $ {shlex.join(args)}{shown}")
        if self.dry_run:
            return ""
        try:
            result = subprocess.run(
                args,
                input=stdin,
                text=True,
                stdout=subprocess.PIPE if capture else None,
                check=False,
            )
        except FileNotFoundError:
            raise StepFailed(step, f"{args[0]} is not installed") from None
        if result.returncode != 0:
            raise StepFailed(step, f"`{shlex.join(args[:3])} ...` exited {result.returncode}")
        return result.stdout or ""

    def terraform(self, *args: str) -> list[str]:
        return ["terraform", f"-chdir={self.terraform_dir}", *args]

    @property
    def repository(self) -> str:
        return self.repository_url or "<ecr_repository_url>"

    def step_build(self) -> None:
        self.command(
            "build",
            [
                "docker", "build", "--platform", self.platform, "--provenance=false",
                "-t", f"{self.local_image}:{self.tag}", str(self.context),
            ],
        )  # fmt: skip

    def step_repository(self) -> None:
        if self.repository_url:
            self.say(f"    repository {self.repository_url} (given)")
            return
        out = self.command("repository", self.terraform("output", "-json"), capture=True)
        if not self.dry_run:
            url = json.loads(out or "{}").get("ecr_repository_url", {}).get("value")
            if not url:
                raise StepFailed(
                    "repository",
                    "no ecr_repository_url output: run `terraform apply "
                    "-target=aws_ecr_repository.this` once (see the README, AWS section)",
                )
            self.repository_url = url

    def step_push(self) -> None:
        registry = self.repository.split("/", 1)[0]
        self.say("    ecr get_authorization_token (boto3)")
        password = ""
        if not self.dry_run:
            try:
                _, password, registry = ecr_credentials(aws_client("ecr", self.region))
            except Exception as error:
                raise StepFailed("push", f"ECR login token: {error}") from None
        self.command(
            "push",
            ["docker", "login", "--username", "AWS", "--password-stdin", registry],
            stdin=password,
            shown="  (password on stdin)",
        )
        remote = f"{self.repository}:{self.tag}"
        self.command("push", ["docker", "tag", f"{self.local_image}:{self.tag}", remote])
        self.command("push", ["docker", "push", remote])
        self.say(f"    ecr describe_images {remote} (boto3) -> digest")
        if not self.dry_run:
            try:
                self.digest = image_digest(
                    aws_client("ecr", self.region), self.repository, self.tag
                )
            except Exception as error:
                raise StepFailed("push", f"digest of {remote}: {error}") from None
            self.say(f"    digest {self.digest}")

    def step_apply(self) -> None:
        var_files = [f"-var-file={path}" for path in self.var_files]
        image_uri = f"{self.repository}@{self.digest}"
        self.command("apply", self.terraform("init", "-input=false"))
        self.command(
            "apply",
            self.terraform(
                "apply", "-auto-approve", "-input=false", *var_files, f"-var=image_uri={image_uri}"
            ),
        )
        out = self.command("apply", self.terraform("output", "-json"), capture=True)
        if not self.dry_run:
            self.outputs = {k: v["value"] for k, v in json.loads(out or "{}").items()}

    def step_migrate(self) -> None:
        if self.skip_migrate:
            self.say("    skipped (--skip-migrate)")
            return
        name = self.outputs.get("lambda_function_name", "<lambda_function_name>")
        payload = json.dumps({"manage": MIGRATE})
        self.say(f"    lambda invoke {name} payload {payload} (boto3) -> exit_status must be 0")
        if not self.dry_run:
            output = invoke_manage(aws_client("lambda", self.region), name, MIGRATE)
            self.say("    " + (output.strip().splitlines() or ["(no output)"])[-1])

    def step_smoke(self) -> None:
        if self.skip_smoke:
            self.say("    skipped (--skip-smoke)")
            return
        url = f"{self.outputs.get('api_endpoint', '<api_endpoint>')}/health/ready"
        self.say(f"    GET {url} -> expect 200")
        if not self.dry_run:
            smoke_test(url)

    def run(self) -> None:
        steps = [
            ("build", self.step_build),
            ("repository", self.step_repository),
            ("push", self.step_push),
            ("apply", self.step_apply),
            ("migrate", self.step_migrate),
            ("smoke-test", self.step_smoke),
        ]
        prefix = "[dry run] " if self.dry_run else ""
        for number, (name, step) in enumerate(steps, start=1):
            self.say(f"{prefix}==> {number}/{len(steps)} {name}")
            step()
        self.say(f"{prefix}release {self.tag} done")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="print every step, run nothing")
    parser.add_argument("--tag", help="image tag (default: <git short sha>-<UTC time>)")
    parser.add_argument("--terraform-dir", type=Path, default=TERRAFORM_DIR)
    parser.add_argument("--context", type=Path, default=REPO_ROOT, help="docker build context")
    parser.add_argument("--platform", default="linux/amd64", help="linux/amd64 or linux/arm64")
    parser.add_argument("--repository-url", help="ECR repository URL (default: terraform output)")
    parser.add_argument("--var-file", action="append", default=[], help="passed to terraform")
    parser.add_argument("--region", help="AWS region for boto3 (default: the CLI profile's)")
    parser.add_argument("--skip-migrate", action="store_true")
    parser.add_argument("--skip-smoke", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    release = Release(
        tag=args.tag or default_tag(),
        terraform_dir=args.terraform_dir,
        context=args.context,
        platform=args.platform,
        repository_url=args.repository_url,
        var_files=args.var_file,
        region=args.region,
        dry_run=args.dry_run,
        skip_migrate=args.skip_migrate,
        skip_smoke=args.skip_smoke,
    )
    try:
        release.run()
    except StepFailed as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
