"""Behind API Gateway a bearer token keeps its identity on every route, authorizer or not.

Payload-2.0 events through the Lambda handler in trust mode (AUTH_TRUST_API_GATEWAY): routes
with the JWT authorizer bring claims; public routes bring none, and the service verifies the
token itself against the user pool's keys, which reach it through a Secrets Manager copy.
"""

from __future__ import annotations

import json

import pytest

from apps.accounts.models import User
from concert import aws as concert_aws
from concert import jwks
from concert.lambda_handler import handler
from tests.accounts.conftest import JwksServer, claims_for, public_jwk, sign
from tests.core.events import http_v2, lambda_context

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(settings, cognito):
    """Trust mode, keys of the pool read from a secret (as the function in the VPC does)."""
    settings.AUTH_TRUST_API_GATEWAY = True
    return settings


@pytest.fixture
def jwks_secret(aws, gateway, rsa_keys):
    secret = concert_aws.client("secretsmanager").create_secret(
        Name="concert-prod/cognito-jwks",
        SecretString=json.dumps({"keys": [public_jwk(rsa_keys["k1"], "k1")]}))
    gateway.JWT_JWKS_URL = "http://127.0.0.1:9/unreachable"  # never read: the secret wins
    gateway.JWT_JWKS_SECRET_ARN = secret["ARN"]
    return secret["ARN"]


def call(method, path, token=None, claims=None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = handler(http_v2(method, path, headers=headers, claims=claims), lambda_context())
    return response["statusCode"], json.loads(response["body"] or "null"), response["headers"]


def test_token_without_claims_is_the_user(jwks_secret, rsa_keys):
    status, body, _ = call("GET", "/api/v1/me", sign(claims_for(), rsa_keys["k1"]))
    assert status == 200
    assert (body["sub"], body["role"]) == ("5f0c8a4e-0d6b-4f4e-9a43-6c1d2b7f9e10", "organizer")


def test_bad_token_without_claims_is_401(jwks_secret, rsa_keys):
    status, body, headers = call("GET", "/api/v1/events",
                                 sign(claims_for(), rsa_keys["other"], kid="k1"))
    assert status == 401
    assert body == {"error": {"code": "authentication_failed",
                              "message": "The token is invalid.", "details": {}}}
    assert headers["www-authenticate"] == 'Bearer realm="concert", error="invalid_token"'
    assert not User.objects.exists()


def test_no_token_is_anonymous(jwks_secret):
    status, body, _ = call("GET", "/api/v1/events")
    assert (status, body["results"]) == (200, [])
    status, body, _ = call("GET", "/api/v1/me")
    assert (status, body["error"]["code"]) == (401, "not_authenticated")
    assert not User.objects.exists()


def test_organizer_sees_own_draft_on_a_public_route(jwks_secret, rsa_keys):
    from tests.events.factories import EventFactory

    token = sign(claims_for(), rsa_keys["k1"])
    assert call("GET", "/api/v1/me", token)[0] == 200
    draft = EventFactory(organizer=User.objects.get(), status="draft")
    path = f"/api/v1/events/{draft.slug}"
    assert call("GET", path)[0] == 404
    status, body, _ = call("GET", path, token)
    assert (status, body["status"]) == (200, "draft")


def test_claims_from_the_authorizer_need_no_keys(gateway, rsa_keys, settings):
    settings.JWT_JWKS_URL = "http://127.0.0.1:9/unreachable"
    status, body, _ = call("GET", "/api/v1/me", sign(claims_for(), rsa_keys["k1"]),
                           claims={"sub": "gw-7", "token_use": "access", "scope": "aws"})
    assert (status, body["sub"]) == (200, "gw-7")


def test_a_rotated_key_is_read_from_the_secret_on_its_first_token(jwks_secret, rsa_keys,
                                                                  monkeypatch):
    from apps.accounts import tokens

    assert call("GET", "/api/v1/me", sign(claims_for(), rsa_keys["k1"]))[0] == 200
    # The refresh job stores the pool's new JWKS; the next k2 token reloads the secret.
    concert_aws.client("secretsmanager").put_secret_value(
        SecretId=jwks_secret, SecretString=json.dumps(
            {"keys": [public_jwk(rsa_keys["k1"], "k1"), public_jwk(rsa_keys["k2"], "k2")]}))
    monkeypatch.setattr(tokens, "JWKS_MIN_REFRESH_SECONDS", 0)
    tokens.key_set(jwks_secret)._next_fetch_at = 0
    assert call("GET", "/api/v1/me", sign(claims_for(), rsa_keys["k2"], "k2"))[0] == 200


def test_refresh_job_copies_the_jwks_into_the_secret_when_it_changes(aws, rsa_keys,
                                                                     monkeypatch):
    secrets = concert_aws.client("secretsmanager")
    arn = secrets.create_secret(Name="concert-prod/cognito-jwks")["ARN"]
    server = JwksServer([public_jwk(rsa_keys["k1"], "k1")])
    monkeypatch.setenv("JWT_JWKS_URL", server.url)
    monkeypatch.setenv("JWT_JWKS_SECRET_ARN", arn)
    try:
        assert jwks.refresh_handler({}, None) == {"changed": True, "kids": ["k1"]}
        assert jwks.refresh_handler({}, None) == {"changed": False, "kids": ["k1"]}
        server.keys.append(public_jwk(rsa_keys["k2"], "k2"))
        assert jwks.refresh_handler({}, None) == {"changed": True, "kids": ["k1", "k2"]}
        stored = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        assert [key["kid"] for key in stored["keys"]] == ["k1", "k2"]

        server.keys.clear()  # a broken JWKS never replaces the stored keys
        with pytest.raises(ValueError, match="holds no RS256 signing key"):
            jwks.refresh_handler({}, None)
        stored = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        assert len(stored["keys"]) == 2
    finally:
        server.stop()
