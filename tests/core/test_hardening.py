"""Request body limits, security headers and CORS limited to configured origins."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_body_over_the_limit_is_413_before_it_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().generic("POST", "/api/v1/events", b"x" * 2048,
                                content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"error": {
        "code": "payload_too_large",
        "message": "The request body is larger than 1024 bytes.",
        "details": {},
    }}


def test_malformed_content_length_is_400():
    response = Client().generic("POST", "/api/v1/events", b"", CONTENT_LENGTH="lots")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("method", "path"), [("PATCH", "/api/v1/me"), ("POST", "/api/v1/events"),
                                              ("POST", "/api/v1/files/upload?token=x")])
def test_chunked_body_is_411_not_read_as_empty(live_server, method, path):
    # Through a real HTTP server: the WSGI body of a chunked request has no Content-Length,
    # so Django would read it as empty and answer as if nothing had been sent.
    import requests

    def chunks():
        yield b'{"display_name": '
        yield b'"chunked"}'

    response = requests.request(method, live_server.url + path, data=chunks(), timeout=10,
                                headers={"Content-Type": "application/json"})
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 411
    assert response.json() == {"error": {
        "code": "length_required",
        "message": "Send the body with a Content-Length, not chunked.",
        "details": {},
    }}


def test_signed_local_upload_bounds_its_own_body(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().generic("POST", "/api/v1/files/upload?token=bad", b"x" * 2048,
                                content_type="application/octet-stream")
    assert response.status_code == 403  # reached the view, which checked the token
    assert response.json()["error"]["code"] == "signed_url_invalid"


def test_json_responses_carry_security_headers():
    response = Client().get("/health/live")
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-Id"]


def test_client_supplied_request_id_is_not_trusted():
    response = Client().get("/health/live", HTTP_X_REQUEST_ID="attacker-chosen")
    assert response["X-Request-Id"] != "attacker-chosen"


def test_cors_allows_only_configured_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    preflight = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
                 "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization,idempotency-key"}

    allowed = Client().options("/api/v1/events", HTTP_ORIGIN="https://app.example.com",
                               **preflight)
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert {"authorization", "idempotency-key", "x-api-key"} <= set(
        allowed["Access-Control-Allow-Headers"].split(", "))

    refused = Client().options("/api/v1/events", HTTP_ORIGIN="https://evil.example",
                               **preflight)
    assert "Access-Control-Allow-Origin" not in refused


def test_admin_middleware_runs_on_the_admin_paths_only(admin_user):
    """Sessions, the session's user and messages serve the admin; the API carries its own
    credentials, so on its paths none of them runs (and no session cookie vouches for a
    caller). CSRF still guards the admin."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    api = client.get("/api/v1/events")
    assert api.status_code == 200
    for attribute in ("session", "_messages"):
        assert not hasattr(api.wsgi_request, attribute), attribute
    assert api.wsgi_request.user.is_anonymous  # DRF's: the session cookie is not a credential
    admin = client.get("/admin/")
    assert admin.status_code == 200 and admin.wsgi_request.user == admin_user
    refused = client.post("/admin/logout/")  # no CSRF token
    assert refused.status_code == 403
