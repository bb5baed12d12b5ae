"""Tests of deploy/release.py: dry run, stopping on a failed step, ECR and migrate handling."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO_ROOT, load_script

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
    # Only a docker that would fail is on PATH: a dry run must not call it.
    fake_tool(tmp_path, "docker", "exit 99")
    result = run_script("--dry-run", "--tag", "v7", "--repository-url", "repo.example/concert",
                        path=f"{tmp_path}:/usr/bin:/bin")  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for number, step in enumerate(
        ["build", "repository", "push", "apply", "migrate", "smoke-test"], start=1
    ):
        assert f"[dry run] ==> {number}/6 {step}" in out
    assert (
        f"$ docker build --platform linux/amd64 --provenance=false -t concert-api:v7 {REPO_ROOT}"
        in out
    )
    assert "$ docker login --username AWS --password-stdin repo.example" in out
    assert "$ docker tag concert-api:v7 repo.example/concert:v7" in out
    assert "$ docker push repo.example/concert:v7" in out
    assert "apply -auto-approve -input=false '-var=image_uri=repo.example/concert@<digest>'" in out
    assert '{"manage": ["migrate", "--noinput"]}' in out
    assert "GET <api_endpoint>/health/ready -> expect 200" in out


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


class StubLambda:
    """moto's Lambda needs docker to run a function, so invoke() is stubbed here."""

    def __init__(self, body: dict | str, function_error: str | None = None) -> None:
        self.body, self.function_error, self.calls = body, function_error, []

    def invoke(self, **kwargs):
        self.calls.append(kwargs)
        raw = self.body if isinstance(self.body, str) else json.dumps(self.body)
        response = {"StatusCode": 200, "Payload": io.BytesIO(raw.encode())}
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def test_migrate_sends_the_manage_payload_and_returns_output() -> None:
    client = StubLambda({"exit_status": 0, "output": "Applying tickets.0001... OK"})
    assert release.invoke_manage(client, "concert-prod-api", release.MIGRATE).endswith("OK")
    call = client.calls[0]
    assert call["FunctionName"] == "concert-prod-api"
    assert call["InvocationType"] == "RequestResponse"
    assert json.loads(call["Payload"]) == {"manage": ["migrate", "--noinput"]}


@pytest.mark.parametrize(
    ("client", "message"),
    [
        (StubLambda({"exit_status": 1, "output": "x\nDatabase unreachable"}),
         "step 'migrate' failed: migrate --noinput exited 1: Database unreachable"),
        (StubLambda({"errorMessage": "boom"}, function_error="Unhandled"),
         "step 'migrate' failed: function error Unhandled: {\"errorMessage\": \"boom\"}"),
        (StubLambda({"output": "no status"}),
         "step 'migrate' failed: migrate --noinput exited None: no status"),
    ],
)  # fmt: skip
def test_migrate_failure_is_one_line(client: StubLambda, message: str) -> None:
    with pytest.raises(release.StepFailed) as error:
        release.invoke_manage(client, "concert-prod-api", release.MIGRATE)
    assert str(error.value) == message


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


def test_smoke_test_passes_on_200(health_server) -> None:
    url, state = health_server
    release.smoke_test(f"{url}/health/ready", attempts=1)
    assert state["hits"] == 1


def test_smoke_test_fails_after_its_attempts(health_server) -> None:
    url, state = health_server
    state["status"] = 503
    with pytest.raises(release.StepFailed) as error:
        release.smoke_test(f"{url}/health/ready", attempts=2, delay=0)
    assert str(error.value) == (
        f"step 'smoke-test' failed: GET {url}/health/ready answered HTTP 503, expected 200"
    )
    assert state["hits"] == 2
