"""Who is calling: JWTs verified against a JWKS, the dev issuer, and API Gateway's claims."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.accounts import tokens
from apps.accounts.dev_issuer import dev_token_mint
from apps.accounts.errors import InvalidToken
from apps.accounts.models import User
from apps.accounts.roles import Role
from concert import jwks
from tests.accounts.conftest import b64, claims_for, public_jwk, sign, unsigned
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
CHALLENGE = 'Bearer realm="concert", error="invalid_token"'


def get_me(client, token=None, **extra):
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(ME, **extra)


def assert_refused(response, message, code="authentication_failed", challenge=CHALLENGE):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == challenge
    assert json.loads(response.content) == {
        "error": {"code": code, "message": message, "details": {}}
    }


def test_id_token_from_the_user_pool_makes_the_user(api_client, cognito, rsa_keys):
    response = get_me(api_client, sign(claims_for(), rsa_keys["k1"]))

    assert response.status_code == 200
    user = User.objects.get()
    assert response.json() == {
        "id": user.pk, "sub": "5f0c8a4e-0d6b-4f4e-9a43-6c1d2b7f9e10",
        "email": "ana@example.com", "role": "organizer", "display_name": "", "bio": "",
        "avatar": None, "date_joined": response.json()["date_joined"],
    }
    assert (user.username, user.has_usable_password(), user.is_staff) == (
        user.cognito_sub, False, False)


def test_access_token_is_checked_by_client_id(api_client, cognito, rsa_keys):
    claims = claims_for(token_use="access", aud=None, email=None, client_id="mobile-client")
    response = get_me(api_client, sign(claims, rsa_keys["k1"]))
    assert response.status_code == 200
    assert response.json()["email"] == ""


def _hs256_with_public_key(rsa_keys):
    public_pem = rsa_keys["k1"].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    signing_input = unsigned(header, claims_for()).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def _tampered(rsa_keys):
    header, _, signature = sign(claims_for(), rsa_keys["k1"]).split(".")
    forged = b64(json.dumps(claims_for(**{"cognito:groups": ["admin"]})).encode())
    return f"{header}.{forged}.{signature}"


now = int(time.time())
BAD_TOKENS = {
    "alg none": (lambda k: unsigned({"alg": "none", "typ": "JWT", "kid": "k1"}, claims_for()),
                 "The token is not signed with RS256."),
    "hs256 with the public key": (_hs256_with_public_key, "The token is not signed with RS256."),
    "expired": (lambda k: sign(claims_for(iat=now - 4000, exp=now - 3600), k["k1"]),
                "The token has expired."),
    "future nbf": (lambda k: sign(claims_for(nbf=now + 3600), k["k1"]),
                   "The token is not valid yet."),
    "future iat": (lambda k: sign(claims_for(iat=now + 3600), k["k1"]),
                   "The token is not valid yet."),
    "wrong issuer": (lambda k: sign(claims_for(iss="https://evil.example.com"), k["k1"]),
                     "The token comes from another issuer."),
    "wrong audience": (lambda k: sign(claims_for(aud="another-app"), k["k1"]),
                       "The token was issued to another client."),
    "access token for another client": (
        lambda k: sign(claims_for(token_use="access", aud=None, client_id="x"), k["k1"]),
        "The token was issued to another client."),
    "access token naming the client in aud only": (
        lambda k: sign(claims_for(token_use="access"), k["k1"]),
        "The token was issued to another client."),
    "no token_use": (lambda k: sign(claims_for(token_use=None), k["k1"]),
                     "The token is invalid."),
    "no exp": (lambda k: sign(claims_for(exp=None), k["k1"]), "The token is invalid."),
    "unknown kid": (lambda k: sign(claims_for(), k["other"], kid="other"),
                    "The token is signed with an unknown key."),
    "another key under our kid": (lambda k: sign(claims_for(), k["other"], kid="k1"),
                                  "The token is invalid."),
    "tampered payload": (_tampered, "The token is invalid."),
    "garbage header": (lambda k: "bm90LWpzb24.e30.c2ln", "The token is malformed."),
    "no kid": (lambda k: jwt.encode(claims_for(), k["k1"], algorithm="RS256"),
               "The token names no signing key."),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_untrustworthy_tokens_are_401(api_client, cognito, rsa_keys, case):
    make, message = BAD_TOKENS[case]
    assert_refused(get_me(api_client, make(rsa_keys)), message)
    assert not User.objects.exists()


def test_no_credentials_is_401_with_a_bearer_challenge(api_client):
    assert_refused(get_me(api_client), "Authentication credentials were not provided.",
                   code="not_authenticated", challenge='Bearer realm="concert"')


NO_JWT = "The Authorization header holds no bearer token (a JWT) this API accepts."


@pytest.mark.parametrize("header", ["Bearer lk_live_123", "Bearer garbage", "Bearer", "Bearer a.b",
                                    "Bearer a.b.c.d", "Basic dXNlcjpwYXNz", "Token abc", ""])
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/events"])
def test_an_authorization_header_that_holds_no_jwt_is_401_on_every_path(api_client, header,
                                                                         path):
    """Never read as an anonymous caller, not even on the public (shared-cached) reads."""
    EventFactory()
    api_client.get("/api/v1/events")  # the anonymous page, cached
    # RFC 6750 section 3.1: the invalid_token error only where a bearer token was sent.
    challenge = CHALLENGE if header.startswith("Bearer ") else 'Bearer realm="concert"'
    assert_refused(api_client.get(path, HTTP_AUTHORIZATION=header), NO_JWT, challenge=challenge)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=80)
       | st.from_regex(r"Bearer [A-Za-z0-9_-]{0,20}(\.[A-Za-z0-9_-]{0,20}){0,4}", fullmatch=True))
def test_any_authorization_header_that_is_no_valid_token_is_401_on_a_public_read(api_client,
                                                                                 header):
    """The class, not the instances above: whatever the header holds, short of a token this
    API signed, a public read answers 401 and never the anonymous page."""
    response = api_client.get("/api/v1/events", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_jwks_is_fetched_once_and_refetched_for_a_new_key(api_client, cognito, rsa_keys):
    for _ in range(3):
        assert get_me(api_client, sign(claims_for(), rsa_keys["k1"])).status_code == 200
    assert cognito.hits == 1

    # The pool rotates in k2; the first k2 token refetches the JWKS, once. An unknown kid
    # right after finds the refetch budget spent and costs no request.
    cognito.keys.append(public_jwk(rsa_keys["k2"], "k2"))
    tokens.key_set(cognito.url)._next_fetch_at = 0
    assert get_me(api_client, sign(claims_for(), rsa_keys["k2"], "k2")).status_code == 200
    assert get_me(api_client, sign(claims_for(), rsa_keys["other"], "zz")).status_code == 401
    assert cognito.hits == 2


def test_unknown_kids_refetch_at_most_once_a_minute(cognito, rsa_keys):
    clock = [1000.0]
    keys = tokens.KeySet(cognito.url, clock=lambda: clock[0])
    keys.key("k1")
    for kid in ("a", "b", "c"):
        with pytest.raises(InvalidToken):
            keys.key(kid)
    assert cognito.hits == 1
    clock[0] += tokens.JWKS_MIN_REFRESH_SECONDS
    with pytest.raises(InvalidToken):
        keys.key("d")
    assert cognito.hits == 2


def test_unreachable_jwks_is_503_after_a_bounded_wait(api_client, cognito, rsa_keys,
                                                      settings, monkeypatch):
    # A port that accepts connections and never answers: the fetch has to time out.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    settings.JWT_JWKS_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/jwks.json"
    monkeypatch.setattr(jwks, "TIMEOUT_SECONDS", 0.2)
    started = time.monotonic()
    try:
        response = get_me(api_client, sign(claims_for(), rsa_keys["k1"]))
    finally:
        silent.close()
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "identity_unavailable"


def test_dev_issuer_tokens_are_accepted_locally(api_client):
    token = dev_token_mint(email="dev@example.com", groups=["staff"], sub="dev-1", kind="access")
    response = get_me(api_client, token)
    assert response.status_code == 200
    assert (response.json()["sub"], response.json()["role"]) == ("dev-1", "staff")


def test_a_sub_that_is_another_accounts_username_makes_its_own_account(api_client):
    operator = UserFactory(username="ops", cognito_sub=None, staff=True)
    token = dev_token_mint(email="someone@example.com", groups=[], sub="ops")

    response = get_me(api_client, token)

    assert response.status_code == 200
    user = User.objects.get(cognito_sub="ops")
    assert (user.username, user.role) == ("cognito:ops", Role.FAN)
    operator.refresh_from_db()
    assert (operator.username, operator.cognito_sub) == ("ops", None)


def test_dev_issuer_tokens_are_refused_when_a_user_pool_is_configured(api_client, settings,
                                                                      jwks_server):
    token = dev_token_mint(email="dev@example.com", groups=[], kind="id")
    settings.JWT_DEV_ISSUER = False
    settings.JWT_ISSUER = "concert-dev"
    settings.JWT_AUDIENCE = ["concert-dev-client"]
    settings.JWT_JWKS_URL = jwks_server.url
    assert_refused(get_me(api_client, token), "The token is signed with an unknown key.")


def test_without_an_issuer_no_bearer_token_is_accepted(api_client, settings):
    token = dev_token_mint(email="dev@example.com", groups=[])
    settings.JWT_DEV_ISSUER = False
    assert_refused(get_me(api_client, token),
                   "This service accepts no bearer tokens: no issuer is configured.")


def test_deactivated_users_are_refused_with_a_valid_token(api_client):
    UserFactory(cognito_sub="dev-2", is_active=False)
    token = dev_token_mint(email="dev@example.com", groups=[], sub="dev-2")
    assert_refused(get_me(api_client, token), "This account is disabled.")


def apig_context(claims):
    return {"apig_wsgi.request_context": {"authorizer": {"jwt": {"claims": claims,
                                                                 "scopes": None}}}}


def test_behind_api_gateway_the_authorizers_claims_are_the_identity(api_client, settings):
    settings.AUTH_TRUST_API_GATEWAY = True
    claims = {"sub": "gw-1", "email": "gw@example.com", "token_use": "id",
              "cognito:groups": "[organizer staff]", "exp": "1700000000"}
    response = get_me(api_client, **apig_context(claims))
    assert response.status_code == 200
    assert (response.json()["sub"], response.json()["email"], response.json()["role"]) == (
        "gw-1", "gw@example.com", "staff")


def test_behind_api_gateway_claims_win_and_the_token_is_not_checked_again(
        api_client, settings, cognito, rsa_keys):
    settings.AUTH_TRUST_API_GATEWAY = True
    claims = {"sub": "gw-1", "token_use": "id", "cognito:groups": "[fan]"}
    response = get_me(api_client, sign(claims_for(), rsa_keys["k1"]), **apig_context(claims))
    assert (response.status_code, response.json()["sub"]) == (200, "gw-1")
    assert cognito.hits == 0


def test_request_context_is_ignored_off_api_gateway(api_client):
    response = get_me(api_client, **apig_context({"sub": "gw-1", "cognito:groups": "[admin]"}))
    assert response.status_code == 401
    assert not User.objects.exists()


def test_a_returning_user_costs_one_read_and_no_write(api_client):
    UserFactory(cognito_sub="dev-3", email="dev@example.com", role=Role.ORGANIZER)
    token = dev_token_mint(email="dev@example.com", groups=["organizer"], sub="dev-3")
    with CaptureQueriesContext(connection) as queries:
        assert get_me(api_client, token).status_code == 200
    on_users = [q["sql"] for q in queries if "accounts_user" in q["sql"]]
    assert len(on_users) == 1 and on_users[0].startswith("SELECT")


# What a signed token names an account by follows the text rule (apps.core.text).
refused_char = st.one_of(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co", "Cs"]),
                         st.sampled_from(["\ufffe", "\uffff"]))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(claim=st.sampled_from(["sub", "email", "username"]), char=refused_char)
@example(claim="sub", char="\x00")
def test_claims_with_control_or_invisible_characters_are_refused(api_client, claim, char):
    value = f"a{char}b"
    token = {
        "sub": lambda: dev_token_mint(email="ana@example.com", groups=[], sub=value),
        "email": lambda: dev_token_mint(email=f"{value}@example.com", groups=[], sub="s"),
        "username": lambda: dev_token_mint(email=f"{value}@example.com", groups=[], sub="s",
                                           kind="access"),
    }[claim]()

    response = get_me(api_client, token)

    assert_refused(response, f"The token's {claim} claim holds U+{ord(char):04X}, a control "
                             "or invisible character.")
    assert not User.objects.exists()
