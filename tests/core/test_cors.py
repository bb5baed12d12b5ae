"""One CORS policy (concert/cors.json) for Django and API Gateway, and it covers what the
service reads and sends.

In AWS, API Gateway answers preflights and replaces the function's CORS headers
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html: "If you
configure CORS for an API, API Gateway ignores CORS headers returned from your backend
integration"), so a header missing from the policy is stripped for browsers there, even if
Django would allow it locally. tests/deploy/test_routes.py checks the gateway takes this file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.events.factories import EventFactory

ROOT = Path(__file__).resolve().parents[2]
POLICY = json.loads((ROOT / "concert" / "cors.json").read_text())
ORIGIN = "https://app.example.com"

# Request headers a page's script cannot set or need not list: CORS-safelisted ones
# (Accept, Accept-Language, Content-Language), forbidden ones the browser sets itself, and
# those API Gateway adds (https://fetch.spec.whatwg.org/#forbidden-request-header).
NOT_SCRIPT_SET = {"accept-language", "content-language", "host", "cookie", "origin",
                  "referer", "user-agent", "content-length", "connection",
                  "x-forwarded-for", "x-forwarded-proto", "x-forwarded-port",
                  "transfer-encoding"}
# Response headers a script may read without exposure (CORS-safelisted response headers),
# and those the browser itself acts on: exposing them would change nothing.
SAFELISTED_RESPONSE = {"cache-control", "content-language", "content-length", "content-type",
                       "expires", "last-modified", "pragma"}
FOR_THE_BROWSER = {"vary", "strict-transport-security", "x-frame-options",
                   "x-content-type-options", "referrer-policy", "cross-origin-opener-policy",
                   "content-security-policy", "set-cookie"}


def test_django_takes_the_shared_policy():
    assert POLICY["allow_methods"] == django_settings.CORS_ALLOW_METHODS
    assert POLICY["allow_headers"] == django_settings.CORS_ALLOW_HEADERS
    assert POLICY["expose_headers"] == django_settings.CORS_EXPOSE_HEADERS
    assert POLICY["max_age_seconds"] == django_settings.CORS_PREFLIGHT_MAX_AGE
    wanted = {"authorization", "content-type", "idempotency-key", "if-none-match", "x-api-key"}
    assert wanted <= set(POLICY["allow_headers"])
    assert {"etag", "retry-after", "ratelimit-remaining"} <= set(POLICY["expose_headers"])


@pytest.mark.parametrize("path", ["/api/v1/orders", "/partner/v1/orders"])
def test_a_browser_may_place_an_order_with_an_idempotency_key(settings, path):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = Client().options(
        path, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


_READS = [
    re.compile(r"""META(?:\.get\(|\[)\s*["']HTTP_([A-Z0-9_]+)["']"""),
    re.compile(r"""headers(?:\.get\(|\[)\s*["']([A-Za-z0-9-]+)["']"""),
]


def request_headers_read() -> set[str]:
    """Every request header the code reads by name (META["HTTP_X"], request.headers["X"])."""
    found = set()
    for path in [*ROOT.glob("apps/**/*.py"), *ROOT.glob("concert/**/*.py")]:
        text = path.read_text()
        for pattern in _READS:
            found |= {name.lower().replace("_", "-") for name in pattern.findall(text)}
    return found


def test_every_request_header_the_service_reads_passes_cors():
    read = request_headers_read()
    assert {"authorization", "x-api-key", "idempotency-key", "if-none-match"} <= read
    stripped = read - set(POLICY["allow_headers"]) - NOT_SCRIPT_SET - {"accept"}
    assert stripped == set(), f"request headers the service reads but CORS refuses: {stripped}"


@pytest.mark.django_db
def test_every_response_header_the_service_sends_is_exposed(settings, user):
    from tests.licensing.factories import make_key

    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    EventFactory()
    _, raw = make_key(user, scopes=["events:read"])
    client = Client(HTTP_ORIGIN=ORIGIN)
    listing = client.get("/api/v1/events")
    responses = [
        listing,
        client.get("/api/v1/events", HTTP_IF_NONE_MATCH=listing["ETag"]),  # 304
        client.get("/api/v1/me"),  # 401 with its challenge
        client.post("/health/live"),  # 405 with Allow
        client.get("/partner/v1/events", HTTP_X_API_KEY=raw),
        client.get("/partner/v1/events"),
    ]
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon": "1/min"}
    responses += [client.get("/api/v1/venues"), client.get("/api/v1/venues")]  # 429
    statuses = {r.status_code for r in responses}
    assert {200, 304, 401, 405, 429} <= statuses
    sent = {name.lower() for r in responses for name in r.headers}
    assert {"etag", "retry-after", "www-authenticate", "allow", "x-request-id"} <= sent
    hidden = (sent - set(POLICY["expose_headers"]) - SAFELISTED_RESPONSE - FOR_THE_BROWSER
              - {h for h in sent if h.startswith("access-control-")})
    assert hidden == set(), f"headers the service sends that browsers could not read: {hidden}"
