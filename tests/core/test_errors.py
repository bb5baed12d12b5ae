"""Every non-2xx response is the one JSON envelope: Django's, DRF's and the domain's."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from rest_framework.renderers import JSONRenderer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def envelope(response):
    """The body, after checking it is encoded as DRF encodes every API answer: one JSON
    format whichever layer (Django, DRF, the domain) made the error."""
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert response.content == JSONRenderer().render(body)
    return body


def test_unknown_path_is_404_json():
    response = Client().get("/does-not-exist")
    assert response.status_code == 404
    assert envelope(response) == {
        "error": {"code": "not_found", "message": "Not found.", "details": {}}
    }


def test_djangos_own_405_becomes_json_and_keeps_allow():
    response = Client().post("/health/live")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert envelope(response)["error"]["code"] == "method_not_allowed"


def test_drf_validation_errors_put_field_messages_under_details():
    response = Client().post("/widgets/", {"name": "too-long", "size": 0},
                             content_type="application/json")
    assert response.status_code == 400
    assert envelope(response) == {"error": {
        "code": "invalid",
        "message": "The request has invalid fields.",
        "details": {
            "name": ["Ensure this field has no more than 5 characters."],
            "size": ["Ensure this value is greater than or equal to 1."],
        },
    }}


def test_malformed_json_is_a_400_parse_error():
    response = Client().post("/widgets/", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert envelope(response)["error"]["code"] == "parse_error"


def test_domain_error_keeps_its_status_code_and_details():
    response = Client().post("/widgets/", {"name": "taken", "size": 1},
                             content_type="application/json")
    assert response.status_code == 409
    assert envelope(response) == {
        "error": {"code": "conflict", "message": "That name is taken.",
                  "details": {"name": "taken"}}
    }


def test_unhandled_error_is_json_500_without_traceback_and_logged(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/broken/")
    assert response.status_code == 500
    assert envelope(response) == {
        "error": {"code": "server_error", "message": "Internal server error.", "details": {}}
    }
    assert b"secret internals" not in response.content
    assert any("secret internals" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_csrf_failure_is_json(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert envelope(response)["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
])
def test_json_nested_too_deeply_is_a_400(body):
    response = Client().generic("POST", "/widgets/", body, content_type="application/json")
    assert response.status_code == 400
    assert envelope(response) == {"error": {
        "code": "parse_error",
        "message": "JSON parse error - the document is nested too deeply.",
        "details": {},
    }}


def test_a_number_too_long_for_python_is_a_400_that_names_the_limit():
    response = Client().post("/widgets/", '{"size": ' + "9" * 5000 + "}",
                             content_type="application/json")
    assert response.status_code == 400
    assert envelope(response)["error"] == {
        "code": "parse_error",
        "message": "JSON parse error - a number has more than 4300 digits.",
        "details": {},
    }
