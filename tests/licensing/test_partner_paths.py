"""Partner paths: /partner/v1 serves the /api/v1 operations to license keys, and only to them.

API Gateway forwards them unchanged (no JWT authorizer on that route): the same requests
through the Lambda handler behave as they do locally.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.dev_issuer import dev_token_mint
from apps.usage.counters import counters
from concert.lambda_handler import handler
from tests.core.events import http_v2, lambda_context
from tests.events.factories import EventFactory
from tests.licensing.factories import make_key

pytestmark = pytest.mark.django_db

CHALLENGE = 'ApiKey realm="api", header="X-Api-Key"'


def error(code, message):
    return {"error": {"code": code, "message": message, "details": {}}}


def test_a_key_reads_and_writes_under_partner_paths_and_is_metered(user):
    event = EventFactory(title="Open air")
    key, raw = make_key(user, scopes=["events:read", "usage:read"])
    client = Client(headers={"X-Api-Key": raw})

    listing = client.get("/partner/v1/events")
    usage = client.get("/partner/v1/usage")

    assert listing.status_code == 200
    assert [e["title"] for e in listing.json()["results"]] == [event.title]
    assert usage.status_code == 200 and usage.json()["license_key"] == key.pk
    live = counters().day_totals(day=timezone.now().date(), user_id=user.pk)
    assert live == {(key.pk, "events"): 1, (key.pk, "usage"): 1}


def test_partner_paths_take_no_jwt_and_no_anonymous_caller(api_client):
    EventFactory()
    token = dev_token_mint(email="ana@example.com", groups=["staff"])

    anonymous = api_client.get("/partner/v1/events")
    with_jwt = api_client.get("/partner/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    for response in (anonymous, with_jwt):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == CHALLENGE
    assert anonymous.json() == error("not_authenticated",
                                     "Authentication credentials were not provided.")
    assert with_jwt.json() == error("authentication_failed", "Partner paths take a license key "
                                    "in X-Api-Key, not an Authorization header.")
    # The same token on the user path is the user.
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_scopes_hold_on_partner_paths(user):
    _, raw = make_key(user, scopes=["events:read"])
    response = Client(headers={"X-Api-Key": raw}).post(
        "/partner/v1/venues", {"name": "Hall"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == error(
        "permission_denied", "The license key does not hold the scope this endpoint needs.")


# The handler sends request_started, whose connection clean-up needs real transactions.
@pytest.mark.django_db(transaction=True)
def test_through_the_handler_as_api_gateway_forwards_them(user, settings):
    settings.AUTH_TRUST_API_GATEWAY = True
    EventFactory(title="Open air")
    _, raw = make_key(user, scopes=["events:read"])

    def call(headers):
        response = handler(http_v2("GET", "/partner/v1/events", headers=headers),
                           lambda_context())
        return response["statusCode"], json.loads(response["body"]), response["headers"]

    status, body, _ = call({"x-api-key": raw})
    assert (status, [e["title"] for e in body["results"]]) == (200, ["Open air"])
    status, body, headers = call({})
    assert (status, headers["www-authenticate"]) == (401, CHALLENGE)
