"""OpenAPI schema, interactive docs, and admin static files in every mode (Lambda included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from concert.api.schema import PAGE_ERRORS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_openapi_schema_is_served_as_openapi_3(client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Concert API"
    # View annotations are replayed when the schema is built, auth extensions registered.
    publish = schema["paths"]["/api/v1/events/{ref}/publish"]["post"]
    assert publish["operationId"] == "events_publish"
    assert "requestBody" not in publish
    assert set(schema["components"]["securitySchemes"]) == {"cognitoJwt", "licenseKey"}


# Lists that answer the whole collection at once: an event's lineup and pictures (bounded).
WHOLE_LISTS = {"events_lineup_list", "events_pictures_list"}


@pytest.mark.django_db
def test_every_list_documents_its_page_and_page_size_with_their_bounds(client):
    schema = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    lists = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation["responses"].get("200", {}).get("content", {}).get(
                "application/json", {}).get("schema", {})
            if method == "get" and (body.get("type") == "array"
                                    or body.get("$ref", "").split("/")[-1].startswith("Paginated")):
                lists[operation["operationId"]] = (path, operation, body)
    assert len(lists) >= 8
    for operation_id, (path, operation, body) in lists.items():
        if operation_id in WHOLE_LISTS:
            assert body["type"] == "array"
            continue
        name = body["$ref"].split("/")[-1]
        page = schema["components"]["schemas"][name]
        assert set(page["properties"]) == {"count", "next", "previous", "results"}, path
        parameters = {p["name"]: p["schema"] for p in operation["parameters"]
                      if p["in"] == "query"}
        assert parameters["page"] == {"type": "integer", "minimum": 1}, path
        assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 100}, path
        assert set(PAGE_ERRORS) <= set(operation["responses"]), path


@pytest.mark.django_db
def test_interactive_docs_use_assets_served_by_the_service(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html


def test_production_lambda_serves_collected_admin_static_files(tmp_path):
    """collectstatic as the image build runs it, then the handler serves the files."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONCERT_"))},
        "CONCERT_PRODUCTION": "true", "DJANGO_SECRET_KEY": "s" * 60,
        "DJANGO_ALLOWED_HOSTS": "abc123.execute-api.eu-west-1.amazonaws.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    script = (
        "import base64, json, os\n"
        "import django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'concert.settings'\n"
        "from django.conf import settings\n"
        f"settings.STATIC_ROOT = {str(tmp_path / 'static')!r}\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', '--noinput', verbosity=0)\n"
        "from concert.lambda_handler import handler\n"
        "from tests.core.events import http_v2, lambda_context\n"
        "r = handler(http_v2('GET', '/static/admin/css/base.css'), lambda_context())\n"
        "body = base64.b64decode(r['body']) if r['isBase64Encoded'] else r['body'].encode()\n"
        "print(json.dumps([r['statusCode'], r['headers'].get('content-type'), len(body)]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    status, content_type, size = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 200
    assert content_type.startswith("text/css")
    assert size > 1000


def mixin_docstrings() -> set[str]:
    """Docstrings a view inherits: notes for developers, never an operation's description."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.plumbing import get_doc

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    return {get_doc(base) for *_, callback in generator.endpoints
            for base in callback.cls.__mro__[1:] if get_doc(base)}


@pytest.mark.django_db
def test_every_operation_has_a_description_of_its_own(client):
    schema = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    inherited = mixin_docstrings()
    assert any("Mixed into a view" in doc for doc in inherited)  # what is looked for exists
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            description = operation.get("description", "").strip()
            assert description, f"{method.upper()} {path}"
            assert not any(doc in description for doc in inherited), f"{method.upper()} {path}"


@pytest.mark.django_db
def test_operations_anonymous_callers_reach_list_anonymous_security(client):
    """Each GET is called without credentials on real objects: those that answer (anything
    but 401) list `{}` among their security requirements, and only those."""
    from tests.events.factories import EventPictureFactory, PerformanceFactory
    from tests.tickets.factories import TicketTypeFactory

    performance = PerformanceFactory()
    event = performance.event
    ids = {"events": event.slug, "venues": event.venue.slug, "artists": performance.artist.slug,
           "performance_id": performance.pk,
           "picture_id": EventPictureFactory(event=event).pk,
           "ticket_type_id": TicketTypeFactory(event=event).pk,
           "file_id": "00000000-0000-0000-0000-000000000000"}
    schema = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/") or "get" not in operations:
            continue
        url = path.replace("{ref}", str(ids.get(path.split("/")[3], "x")))
        for name, value in ids.items():
            url = url.replace(f"{{{name}}}", str(value))
        url = url.replace("{order_id}", "1").replace("{ticket_id}", "1").replace("{key_id}", "1")
        anonymous = client.get(url).status_code != 401
        lists_anonymous = {} in operations["get"].get("security", [{}])
        assert lists_anonymous == anonymous, (path, client.get(url).status_code)
        checked += anonymous
    assert checked >= 8
