"""Verifying Cognito-style RS256 JWTs against the user pool's JWKS or the local dev issuer.

The user pool's keys come from its JWKS URL, or, where the service has no route to the
internet (the function in private subnets with no NAT), from a Secrets Manager secret that
`concert.jwks.refresh_handler` keeps equal to the published JWKS (JWT_JWKS_SECRET_ARN).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
from django.conf import settings

from apps.accounts.errors import InvalidToken, KeysUnavailable
from concert import jwks

logger = logging.getLogger(__name__)

# Clock skew tolerated on exp, nbf and iat.
LEEWAY_SECONDS = 30
# An unknown kid refetches the JWKS, but at most this often: forged kids can't make the
# service hammer the identity provider.
JWKS_MIN_REFRESH_SECONDS = 60
# After a failed fetch, how long before the next attempt.
JWKS_RETRY_SECONDS = 5
# A key the user pool dropped stops being trusted within this time.
JWKS_MAX_AGE_SECONDS = 24 * 3600


class KeySet:
    """The signing keys of one JWKS source (a URL or a secret), cached in the process.

    Cognito may rotate a user pool's signing keys: a token naming an unknown kid reloads the
    source (at most every JWKS_MIN_REFRESH_SECONDS), and keys older than
    JWKS_MAX_AGE_SECONDS are reloaded on the next token.
    """

    def __init__(self, source: str, *, clock: Callable[[], float] = time.monotonic):
        self.source = source
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = -math.inf
        self._next_fetch_at = -math.inf
        self.fetches = 0

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = self._clock()
            stale = now - self._fetched_at >= JWKS_MAX_AGE_SECONDS
            if (self._keys is None or kid not in self._keys or stale) and (
                now >= self._next_fetch_at
            ):
                self._fetch(now)
            if self._keys is None:
                raise KeysUnavailable
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("The token is signed with an unknown key.")
        return key

    def _fetch(self, now: float) -> None:
        self.fetches += 1
        self._next_fetch_at = now + JWKS_RETRY_SECONDS
        try:
            keys = jwks.signing_keys(_load_jwks(self.source))
        except Exception:
            logger.warning("JWKS fetch from %s failed", self.source, exc_info=True)
            return
        self._keys = keys
        self._fetched_at = now
        self._next_fetch_at = now + JWKS_MIN_REFRESH_SECONDS


def _load_jwks(source: str) -> Any:
    if source.startswith("arn:"):
        from concert import aws

        # Read at every reload, not through aws.secret_string's per-process cache.
        secret = aws.client("secretsmanager").get_secret_value(SecretId=source)
        return json.loads(secret["SecretString"])
    return jwks.fetch(source)


_key_sets: dict[str, KeySet] = {}
_key_sets_lock = threading.Lock()


def key_set(source: str) -> KeySet:
    with _key_sets_lock:
        if source not in _key_sets:
            _key_sets[source] = KeySet(source)
        return _key_sets[source]


def forget_key_sets() -> None:
    with _key_sets_lock:
        _key_sets.clear()


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a token signed by the trusted issuer for one of our app clients."""
    issuer, audiences, find_key = _trust()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("The token is malformed.") from None
    if header.get("alg") != "RS256":
        raise InvalidToken("The token is not signed with RS256.")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidToken("The token names no signing key.")
    key = find_key(kid)
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise InvalidToken("The token is not valid yet.") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("The token comes from another issuer.") from None
    except jwt.PyJWTError:
        raise InvalidToken("The token is invalid.") from None
    _check_audience(claims, audiences)
    return claims


def _check_audience(claims: dict[str, Any], audiences: list[str]) -> None:
    # Cognito ID tokens name the app client in `aud`; access tokens in `client_id`.
    use = claims.get("token_use")
    if use == "id":
        client = claims.get("aud")
    elif use == "access":
        client = claims.get("client_id")
    else:
        raise InvalidToken("The token is neither an ID nor an access token.")
    if not isinstance(client, str) or client not in audiences:
        raise InvalidToken("The token was issued to another client.")


def _trust() -> tuple[str, list[str], Callable[[str], jwt.PyJWK]]:
    if settings.JWT_ISSUER:
        issuer = settings.JWT_ISSUER
        source = settings.JWT_JWKS_SECRET_ARN or jwks.url_of(issuer, settings.JWT_JWKS_URL)
        return issuer, list(settings.JWT_AUDIENCE), key_set(source).key
    if settings.JWT_DEV_ISSUER:
        from apps.accounts import dev_issuer

        audiences = list(settings.JWT_AUDIENCE) or [dev_issuer.DEV_CLIENT_ID]
        return dev_issuer.DEV_ISSUER, audiences, dev_issuer.dev_public_key
    raise InvalidToken("This service accepts no bearer tokens: no issuer is configured.")
