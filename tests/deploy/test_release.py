"""Tests of deploy/release.py: dry runs, stopping on a failed step, ECR, and the migrate and
smoke-test calls against a version (the release end to end is in test_terraform.py)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO_ROOT, InProcessLambda, load_script

SCRIPT = REPO_ROOT / "deploy" / "release.py"
release = load_script("release")


def run_script(*args: str, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def fake_tool(folder: Path, name: str, body: str) -> Path:
    tool = folder / name
    tool.write_text(f"#!/bin/sh\n{body}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return tool


def test_dry_run_prints_every_step_and_runs_nothing(tmp_path: Path) -> None:
    # Only tools that would fail are on PATH: a dry run must not call them.
    fake_tool(tmp_path, "docker", "exit 99")
    fake_tool(tmp_path, "terraform", "exit 99")
    result = run_script("--dry-run", "--tag", "v7", "--repository-url", "repo.example/concert",
                        path=f"{tmp_path}:/usr/bin:/bin")  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    steps = ["build", "repository", "push", "apply", "migrate", "smoke-test", "promote", "verify"]
    for number, step in enumerate(steps, start=1):
        assert f"[dry run] ==> {number}/8 {step}" in out
    assert (
        f"$ docker build --platform linux/amd64 --provenance=false -t concert-api:v7 {REPO_ROOT}"
        in out
    )
    assert "$ docker push repo.example/concert:v7" in out
    assert "apply -auto-approve -input=false '-var=image_uri=repo.example/concert@<digest>'" in out
    assert "the apply publishes a version; the live alias does not move" in out
    migrate = out.index('<lambda_function_name>:<new version> payload {"manage": ["migrate"')
    smoke = out.index("<new version> GET /api/v1/me as concert-release-smoke")
    promote = out.index("update_alias <lambda_function_name>:live -> <new version>")
    assert migrate < smoke < promote  # migrations and smoke tests before any traffic
    for path in ("/health/ready", "/api/schema", "/api/v1/events"):
        assert f"<lambda_function_name>:<new version> GET {path} -> 200" in out
    assert "GET <api_endpoint>/health/ready (through API Gateway and the alias) -> 200" in out


def test_rollback_dry_run_prints_its_steps(tmp_path: Path) -> None:
    fake_tool(tmp_path, "terraform", "exit 99")
    result = run_script("rollback", "--dry-run", "--to", "4", path=f"{tmp_path}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for number, step in enumerate(["find", "smoke-test", "promote", "verify"], start=1):
        assert f"[dry run] ==> {number}/4 {step}" in out
    assert "output -json" in out
    assert "lambda invoke <lambda_function_name>:4 GET /api/v1/events -> 200" in out
    assert "update_alias <lambda_function_name>:live -> 4 (previous <live version>)" in out
    assert out.rstrip().endswith("[dry run] rollback done")


def test_a_failing_step_stops_the_release(tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    fake_tool(tmp_path, "docker", f'echo "docker $*" >> {calls}; exit 1')
    fake_tool(tmp_path, "terraform", f'echo "terraform $*" >> {calls}; exit 0')
    result = run_script("--tag", "v8", path=f"{tmp_path}:/usr/bin:/bin")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "release: step 'build' failed: `docker build --platform ...` exited 1"
    ]
    assert calls.read_text().splitlines() == [
        f"docker build --platform linux/amd64 --provenance=false -t concert-api:v8 {REPO_ROOT}"
    ]


def test_missing_tool_names_the_step(tmp_path: Path) -> None:
    result = run_script("--tag", "v9", path=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == "release: step 'build' failed: docker is not installed"


def test_ecr_login_token_and_digest_from_moto(aws_env: str) -> None:
    boto3 = pytest.importorskip("boto3")
    ecr = boto3.client("ecr")
    url = ecr.create_repository(repositoryName="concert-prod-api")["repository"]["repositoryUri"]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + "1" * 64},
            "layers": [],
        }
    )
    pushed = ecr.put_image(repositoryName="concert-prod-api", imageManifest=manifest, imageTag="v1")
    user, password, registry = release.ecr_credentials(ecr)
    assert user == "AWS" and password
    assert registry.endswith(".amazonaws.com")
    digest = release.image_digest(ecr, url, "v1")
    assert digest == pushed["image"]["imageId"]["imageDigest"]
    assert digest.startswith("sha256:")


@pytest.fixture
def function(aws_env: str) -> InProcessLambda:
    """concert-prod-api on moto with versions 1 and 2 and the live alias on 1."""
    boto3 = pytest.importorskip("boto3")
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="concert-prod-api", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}],
    }))["Role"]["Arn"]  # fmt: skip
    lam = boto3.client("lambda")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/concert-prod-api:v1"
    lam.create_function(FunctionName="concert-prod-api", Role=role, PackageType="Image",
                        Code={"ImageUri": image}, Publish=True)  # fmt: skip
    lam.update_function_configuration(FunctionName="concert-prod-api", Timeout=31)
    lam.publish_version(FunctionName="concert-prod-api")
    lam.create_alias(FunctionName="concert-prod-api", Name="live", FunctionVersion="1")
    return InProcessLambda(lam)


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_on_the_given_version_and_a_failure_is_one_line(function) -> None:
    assert "No migrations to apply." in release.invoke_manage(
        function, "concert-prod-api", "2", release.MIGRATE)  # fmt: skip
    assert function.invocations == [("2", {"manage": ["migrate", "--noinput"]})]
    with pytest.raises(release.StepFailed) as error:
        release.invoke_manage(function, "concert-prod-api", "2", ["migrate", "no_such_app"])
    assert str(error.value) == (
        "step 'migrate' failed: migrate no_such_app on version 2: function error Unhandled: "
        "ManagementCommandFailed: manage ['migrate', 'no_such_app'] exited 1: "
        "No installed app with label 'no_such_app'."
    )


@pytest.mark.django_db(transaction=True)
def test_smoke_checks_read_the_version_as_the_live_route_would(function, settings) -> None:
    settings.AUTH_TRUST_API_GATEWAY = True
    passed = release.smoke_version(function, "concert-prod-api", "2", "api.example.com")
    assert passed == ["health (GET /health/ready) 200", "schema (GET /api/schema) 200",
                      "event list (GET /api/v1/events) 200",
                      "authenticated profile (GET /api/v1/me) 200"]  # fmt: skip
    assert {qualifier for qualifier, _ in function.invocations} == {"2"}
    # The same version behind a host Django does not serve fails on its first read.
    settings.ALLOWED_HOSTS = ["api.example.com"]
    with pytest.raises(release.StepFailed, match=r"^step 'smoke-test' failed: health "
                       r"\(GET /health/ready\) on version 2 answered 400: "):  # fmt: skip
        release.smoke_version(function, "concert-prod-api", "2", "other.example.com")
    with pytest.raises(release.StepFailed, match=r"on version 9: .*ResourceNotFoundException"):
        release.smoke_version(function, "concert-prod-api", "9", "api.example.com")


@pytest.mark.django_db(transaction=True)
def test_smoke_checks_pass_with_the_cache_down_and_say_so(function, settings) -> None:
    # A Redis outage must not block a release or a rollback: the service works on misses.
    from concert.config import redis_cache

    settings.AUTH_TRUST_API_GATEWAY = True
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0")}
    passed = release.smoke_version(function, "concert-prod-api", "2", "api.example.com")
    assert passed[0] == "health (GET /health/ready) 200 degraded (cache unavailable)"
    assert passed[1:] == ["schema (GET /api/schema) 200", "event list (GET /api/v1/events) 200",
                          "authenticated profile (GET /api/v1/me) 200"]


@pytest.fixture
def health_server():
    """A real HTTP server on loopback answering /health/ready with a chosen status."""
    state = {"status": 200, "hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["hits"] += 1
            code = state["status"] if self.path == "/health/ready" else 404
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()


def test_public_check_fails_after_its_attempts(health_server) -> None:
    url, state = health_server
    release.public_check(f"{url}/health/ready", attempts=1)
    state["status"] = 503
    with pytest.raises(release.StepFailed) as error:
        release.public_check(f"{url}/health/ready", attempts=2, delay=0)
    assert str(error.value) == (
        f"step 'verify' failed: GET {url}/health/ready answered HTTP 503, expected 200"
    )
    assert state["hits"] == 3
