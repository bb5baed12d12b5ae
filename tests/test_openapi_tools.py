"""The API contract as third-party tools read it: openapi-spec-validator and Redocly's
recommended lint accept the schema, every operation has a summary, JSON operations take
only JSON and uploads only multipart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent
REDOCLY = os.environ.get("REDOCLY_BIN") or shutil.which("redocly") or str(
    ROOT / ".venv-tools" / "redocly" / "node_modules" / ".bin" / "redocly"
)
# Uploads go to storage (S3 or its local stand-in), never through an operation of the API.
UPLOADS = {"files_local_upload"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_openapi_spec_validator_accepts_the_schema(schema):
    validate(schema)


def test_every_operation_has_a_summary(schema):
    assert [name for name, op in operations(schema) if not op.get("summary")] == []


def test_json_operations_take_only_json_and_uploads_only_multipart(schema):
    bodies = {op["operationId"]: set(op["requestBody"]["content"])
              for _, op in operations(schema) if "requestBody" in op}
    assert {op for op, types in bodies.items() if types == {"multipart/form-data"}} == UPLOADS
    assert {op: types for op, types in bodies.items()
            if op not in UPLOADS and types != {"application/json"}} == {}


@pytest.mark.skipif(not Path(REDOCLY).exists() and "REDOCLY_BIN" not in os.environ,
                    reason="Redocly CLI not installed: set REDOCLY_BIN (.ci/run installs it)")
def test_redocly_recommended_lint_finds_no_error(schema, tmp_path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(schema))
    lint = subprocess.run(
        [REDOCLY, "lint", str(document), "--extends=recommended", "--format=json"],
        capture_output=True, text=True, timeout=120,
    )
    report = json.loads(lint.stdout[lint.stdout.index("{"):])
    errors = [f"{p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
              for p in report["problems"] if p["severity"] == "error"]
    assert errors == []
    assert lint.returncode == 0, lint.stderr
