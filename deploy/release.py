"""Release tool: build and push the image, apply it as a new Lambda version, migrate and
smoke-test that version, then move the `live` alias to it; `rollback` moves the alias back.

    python deploy/release.py [--dry-run] [--var-file terraform.tfvars] [--image-uri URI]
    python deploy/release.py rollback [--dry-run] [--to VERSION]

Traffic (API Gateway, EventBridge) reaches the function only through the alias, so the new
version takes none until its migrations ran and its smoke tests passed. Migrations must be
expand-then-contract (see the README): the version the alias leaves must keep working on the
new schema, which is what makes `rollback` safe.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TERRAFORM_DIR = Path(__file__).resolve().parent / "terraform"
MIGRATE = ["migrate", "--noinput"]
ALIAS = "live"
# The account the authenticated smoke call acts as (a fan, made on its first release).
SMOKE_CLAIMS = {"sub": "concert-release-smoke", "email": "release-smoke@concert.invalid"}
PREVIOUS = re.compile(r"previous version (\d+)")


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


def invoke(client: Any, function: str, version: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke one version synchronously; a function error becomes a one-line ValueError."""
    response = client.invoke(
        FunctionName=function,
        Qualifier=version,
        InvocationType="RequestResponse",
        Payload=json.dumps(event).encode(),
    )
    body = response["Payload"].read().decode() or "{}"
    if response.get("FunctionError"):
        try:
            error = json.loads(body)
            detail = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}"
        except ValueError:
            detail = body
        raise ValueError(f"function error {response['FunctionError']}: {detail[:300]}")
    return json.loads(body)


def invoke_manage(client: Any, function: str, version: str, command: list[str]) -> str:
    """Run a management command on one version; its output, or StepFailed."""
    try:
        result = invoke(client, function, version, {"manage": command})
    except Exception as error:  # a function error, or the call itself (no such version)
        raise StepFailed("migrate", f"{' '.join(command)} on version {version}: {error}") from None
    if result.get("exit_status") != 0:
        raise StepFailed("migrate", f"{' '.join(command)} exited {result.get('exit_status')}")
    return result.get("output", "")


def api_event(method: str, path: str, host: str, claims: dict[str, str] | None = None) -> dict:
    """An API Gateway HTTP API event (payload 2.0), as the live route would send it."""
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "apiId": host.split(".", 1)[0],
        "domainName": host,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "192.0.2.10",
            "userAgent": "concert-release",
        },
        "requestId": f"release-{now.strftime('%H%M%S%f')}",
        "routeKey": "$default",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims:
        # What the Cognito JWT authorizer hands over after verifying a token.
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": host,
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
            "accept": "application/json",
            "user-agent": "concert-release",
        },
        "requestContext": context,
        "isBase64Encoded": False,
    }


def _json(response: dict[str, Any]) -> Any:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


# (name, path, claims, what the answer must hold): real reads through the whole service,
# database and cache included.
SMOKE_CHECKS: list[tuple[str, str, dict | None, Callable[[dict], bool]]] = [
    ("health", "/health/ready", None, lambda r: True),
    ("schema", "/api/schema", None, lambda r: "openapi" in str(r.get("body", ""))[:200]),
    ("event list", "/api/v1/events", None, lambda r: isinstance(_json(r).get("results"), list)),
    ("authenticated profile", "/api/v1/me", SMOKE_CLAIMS,
     lambda r: _json(r).get("sub") == SMOKE_CLAIMS["sub"]),
]  # fmt: skip


def smoke_version(client: Any, function: str, version: str, host: str) -> list[str]:
    """Each smoke check against one version (not the alias); StepFailed on the first miss."""
    passed = []
    for name, path, claims, holds in SMOKE_CHECKS:
        try:
            response = invoke(client, function, version, api_event("GET", path, host, claims))
            status = response.get("statusCode")
            ok = status == 200 and holds(response)
        except Exception as error:  # a function error, the call itself, or an unreadable body
            raise StepFailed("smoke-test",
                             f"{name} (GET {path}) on version {version}: {error}") from None
        if not ok:
            body = str(response.get("body"))[:200]
            raise StepFailed("smoke-test",
                             f"{name} (GET {path}) on version {version} answered {status}: {body}")
        passed.append(f"{name} (GET {path}) 200{_degraded(response)}")
    return passed


def _degraded(response: dict[str, Any]) -> str:
    """What a 200 readiness answer says the service runs without (the cache), else ""."""
    try:
        body = _json(response)
    except (ValueError, TypeError):
        return ""
    if not isinstance(body, dict) or body.get("status") != "degraded":
        return ""
    down = sorted(name for name, state in (body.get("checks") or {}).items() if state != "ok")
    return f" degraded ({', '.join(down)} unavailable)"


def public_check(url: str, attempts: int = 5, delay: float = 3.0, timeout: float = 10.0) -> None:
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
    raise StepFailed("verify", f"GET {url} answered {problem}, expected 200")


def alias_versions(client: Any, function: str) -> tuple[str, str | None]:
    """(version the alias points at, the one it pointed at before the last move)."""
    alias = client.get_alias(FunctionName=function, Name=ALIAS)
    previous = PREVIOUS.search(alias.get("Description") or "")
    return alias["FunctionVersion"], previous[1] if previous else None


def move_alias(client: Any, function: str, version: str, previous: str) -> None:
    client.update_alias(FunctionName=function, Name=ALIAS, FunctionVersion=version,
                        Description=f"The version serving API Gateway and EventBridge; "
                                    f"previous version {previous}")  # fmt: skip


@dataclass
class Operation(ABC):
    """Shared by release and rollback: printing, dry run, commands, outputs, AWS clients."""

    terraform_dir: Path = TERRAFORM_DIR
    region: str | None = None
    dry_run: bool = False
    api_endpoint: str | None = None
    function_name: str | None = None
    lambda_client: Any = None
    outputs: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> None:
        print(text, flush=True)

    def command(self, step: str, args: list[str], stdin: str | None = None, shown: str = "",
                capture: bool = False) -> str:  # fmt: skip
        """Print a command, then run it (unless dry run); a nonzero exit fails the step."""
        self.say(f"    $ {shlex.join(args)}{shown}")
        if self.dry_run:
            return ""
        try:
            result = subprocess.run(args, input=stdin, text=True, check=False,
                                    stdout=subprocess.PIPE if capture else None)  # fmt: skip
        except FileNotFoundError:
            raise StepFailed(step, f"{args[0]} is not installed") from None
        if result.returncode != 0:
            raise StepFailed(step, f"`{shlex.join(args[:3])} ...` exited {result.returncode}")
        return result.stdout or ""

    def terraform(self, *args: str) -> list[str]:
        return ["terraform", f"-chdir={self.terraform_dir}", *args]

    def read_outputs(self, step: str) -> None:
        out = self.command(step, self.terraform("output", "-json"), capture=True)
        if not self.dry_run:
            self.outputs = {k: v["value"] for k, v in json.loads(out or "{}").items()}

    @property
    def function(self) -> str:
        return self.function_name or self.outputs.get("lambda_function_name",
                                                      "<lambda_function_name>")  # fmt: skip

    @property
    def endpoint(self) -> str:
        return self.api_endpoint or self.outputs.get("api_endpoint", "<api_endpoint>")

    @property
    def host(self) -> str:
        return re.sub(r"^https?://", "", self.endpoint).split("/", 1)[0]

    @property
    def lam(self) -> Any:
        if self.lambda_client is None:
            self.lambda_client = aws_client("lambda", self.region)
        return self.lambda_client

    def smoke(self, version: str) -> None:
        for name, path, claims, _ in SMOKE_CHECKS:
            who = f" as {claims['sub']}" if claims else ""
            self.say(f"    lambda invoke {self.function}:{version} GET {path}{who} -> 200 ({name})")
        if not self.dry_run:
            smoke_version(self.lam, self.function, version, self.host)

    def verify(self) -> None:
        url = f"{self.endpoint}/health/ready"
        self.say(f"    GET {url} (through API Gateway and the alias) -> 200")
        if not self.dry_run:
            public_check(url)

    @abstractmethod
    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        """The named steps of this operation, in order."""

    def run(self, title: str) -> None:
        steps = self.steps()
        prefix = "[dry run] " if self.dry_run else ""
        for number, (name, step) in enumerate(steps, start=1):
            self.say(f"{prefix}==> {number}/{len(steps)} {name}")
            step()
        self.say(f"{prefix}{title} done")


@dataclass
class Release(Operation):
    """One release run; with dry_run every step prints its commands and runs nothing."""

    tag: str = ""
    context: Path = REPO_ROOT
    platform: str = "linux/amd64"
    local_image: str = "concert-api"
    repository_url: str | None = None
    image_uri: str | None = None
    var_files: list[str] = field(default_factory=list)
    digest: str = "<digest>"
    version: str = "<new version>"
    previous: str = "<live version>"

    @property
    def repository(self) -> str:
        return self.repository_url or "<ecr_repository_url>"

    def step_build(self) -> None:
        if self.image_uri:
            self.say(f"    image {self.image_uri} (given, nothing to build)")
            return
        self.command("build", [
            "docker", "build", "--platform", self.platform, "--provenance=false",
            "-t", f"{self.local_image}:{self.tag}", str(self.context),
        ])  # fmt: skip

    def step_repository(self) -> None:
        if self.image_uri or self.repository_url:
            self.say(f"    repository {self.image_uri or self.repository_url} (given)")
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
        if self.image_uri:
            self.say("    nothing to push")
            return
        registry = self.repository.split("/", 1)[0]
        self.say("    ecr get_authorization_token (boto3)")
        password = ""
        if not self.dry_run:
            try:
                _, password, registry = ecr_credentials(aws_client("ecr", self.region))
            except Exception as error:
                raise StepFailed("push", f"ECR login token: {error}") from None
        self.command("push", ["docker", "login", "--username", "AWS", "--password-stdin",
                              registry], stdin=password, shown="  (password on stdin)")  # fmt: skip
        remote = f"{self.repository}:{self.tag}"
        self.command("push", ["docker", "tag", f"{self.local_image}:{self.tag}", remote])
        self.command("push", ["docker", "push", remote])
        self.say(f"    ecr describe_images {remote} (boto3) -> digest")
        if not self.dry_run:
            try:
                self.digest = image_digest(aws_client("ecr", self.region), self.repository,
                                           self.tag)  # fmt: skip
            except Exception as error:
                raise StepFailed("push", f"digest of {remote}: {error}") from None
            self.say(f"    digest {self.digest}")

    def step_apply(self) -> None:
        image_uri = self.image_uri or f"{self.repository}@{self.digest}"
        var_files = [f"-var-file={path}" for path in self.var_files]
        self.command("apply", self.terraform("init", "-input=false"))
        self.command("apply", self.terraform("apply", "-auto-approve", "-input=false",
                                             *var_files, f"-var=image_uri={image_uri}"))
        self.read_outputs("apply")
        self.say("    the apply publishes a version; the live alias does not move")
        if not self.dry_run:
            self.version = str(self.outputs["lambda_published_version"])
            self.previous, _ = alias_versions(self.lam, self.function)
            self.say(f"    new version {self.version}, live version {self.previous}")

    def step_migrate(self) -> None:
        payload = json.dumps({"manage": MIGRATE})
        self.say(f"    lambda invoke {self.function}:{self.version} payload {payload} "
                 "-> exit_status 0, before any traffic")  # fmt: skip
        if not self.dry_run:
            output = invoke_manage(self.lam, self.function, self.version, MIGRATE)
            self.say("    " + (output.strip().splitlines() or ["(no output)"])[-1])

    def step_smoke(self) -> None:
        self.smoke(self.version)

    def step_promote(self) -> None:
        self.say(f"    lambda update_alias {self.function}:{ALIAS} -> {self.version} "
                 f"(previous {self.previous})")  # fmt: skip
        if not self.dry_run:
            if self.version == self.previous:
                self.say(f"    {ALIAS} already on version {self.version}")
                return
            move_alias(self.lam, self.function, self.version, self.previous)

    def step_verify(self) -> None:
        try:
            self.verify()
        except StepFailed:
            if self.version != self.previous:
                self.say(f"    rolling {ALIAS} back to version {self.previous}")
                move_alias(self.lam, self.function, self.previous, self.version)
            raise

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("build", self.step_build),
            ("repository", self.step_repository),
            ("push", self.step_push),
            ("apply", self.step_apply),
            ("migrate", self.step_migrate),
            ("smoke-test", self.step_smoke),
            ("promote", self.step_promote),
            ("verify", self.step_verify),
        ]


@dataclass
class Rollback(Operation):
    """Move the live alias back to the version it served before (or to --to)."""

    to: str | None = None
    current: str = "<live version>"
    target: str = "<previous version>"

    def step_find(self) -> None:
        if not self.function_name:
            self.read_outputs("find")
        self.say(f"    lambda get_alias {self.function}:{ALIAS} -> live and previous versions")
        if self.dry_run:
            self.target = self.to or self.target
            return
        self.current, previous = alias_versions(self.lam, self.function)
        target = self.to or previous
        if not target:
            raise StepFailed("find", f"{ALIAS} records no previous version: pass --to VERSION")
        if target == self.current:
            raise StepFailed("find", f"{ALIAS} already serves version {target}")
        self.target = target
        self.say(f"    live version {self.current}, rolling back to {self.target}")

    def step_smoke(self) -> None:
        self.smoke(self.target)

    def step_promote(self) -> None:
        self.say(f"    lambda update_alias {self.function}:{ALIAS} -> {self.target} "
                 f"(previous {self.current})")  # fmt: skip
        if not self.dry_run:
            move_alias(self.lam, self.function, self.target, self.current)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [("find", self.step_find), ("smoke-test", self.step_smoke),
                ("promote", self.step_promote), ("verify", self.verify)]  # fmt: skip


def common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print every step, run nothing")
    parser.add_argument("--terraform-dir", type=Path, default=TERRAFORM_DIR)
    parser.add_argument("--region", help="AWS region for boto3 (default: the CLI profile's)")
    parser.add_argument("--api-endpoint", help="URL the verify step reads (default: output)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_options(parser)
    operation: Operation
    if argv[:1] == ["rollback"]:
        parser.prog += " rollback"
        parser.add_argument("--to", help="version to serve (default: the previous one)")
        parser.add_argument("--function-name", help="default: terraform output")
        args = parser.parse_args(argv[1:])
        operation = Rollback(terraform_dir=args.terraform_dir, region=args.region,
                             dry_run=args.dry_run, api_endpoint=args.api_endpoint,
                             function_name=args.function_name, to=args.to)  # fmt: skip
        title = "rollback"
    else:
        parser.add_argument("--tag", help="image tag (default: <git short sha>-<UTC time>)")
        parser.add_argument("--context", type=Path, default=REPO_ROOT, help="build context")
        parser.add_argument("--platform", default="linux/amd64", help="linux/amd64 or arm64")
        parser.add_argument("--repository-url", help="ECR repository (default: output)")
        parser.add_argument("--image-uri", help="release this ECR image: no build, no push")
        parser.add_argument("--var-file", action="append", default=[], help="for terraform")
        args = parser.parse_args(argv)
        operation = Release(terraform_dir=args.terraform_dir, region=args.region,
                            dry_run=args.dry_run, api_endpoint=args.api_endpoint,
                            tag=args.tag or default_tag(), context=args.context,
                            platform=args.platform, repository_url=args.repository_url,
                            image_uri=args.image_uri, var_files=args.var_file)  # fmt: skip
        title = f"release {operation.tag}"
    try:
        operation.run(title)
    except StepFailed as error:
        print(f"{title.split()[0]}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
