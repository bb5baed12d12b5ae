"""Verifying Cognito-style RS256 JWTs against the user pool's JWKS or the local dev issuer."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt
from django.conf import settings

from apps.accounts.errors import InvalidToken, KeysUnavailable

logger = logging.getLogger(__name__)

# Clock skew tolerated on exp, nbf and iat.
LEEWAY_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 3
JWKS_MAX_BYTES = 1024 * 1024
# An unknown kid refetches the JWKS, but at most this often: forged kids can't make the
# service hammer the identity provider.
JWKS_MIN_REFRESH_SECONDS = 60
# After a failed fetch, how long before the next attempt.
JWKS_RETRY_SECONDS = 5
# A key the user pool dropped stops being trusted within this time.
JWKS_MAX_AGE_SECONDS = 24 * 3600


class KeySet:
    """The signing keys published at one JWKS URL, cached in the process."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.monotonic):
        self.url = url
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
            with urllib.request.urlopen(self.url, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310
                document = json.loads(response.read(JWKS_MAX_BYTES))
            keys = {
                entry["kid"]: jwt.PyJWK(entry, algorithm="RS256")
                for entry in document["keys"]
                if entry.get("kty") == "RSA" and entry.get("use", "sig") == "sig"
            }
        except (OSError, ValueError, KeyError, TypeError, jwt.PyJWKError):
            logger.warning("JWKS fetch from %s failed", self.url, exc_info=True)
            return
        self._keys = keys
        self._fetched_at = now
        self._next_fetch_at = now + JWKS_MIN_REFRESH_SECONDS


_key_sets: dict[str, KeySet] = {}
_key_sets_lock = threading.Lock()


def key_set(url: str) -> KeySet:
    with _key_sets_lock:
        if url not in _key_sets:
            _key_sets[url] = KeySet(url)
        return _key_sets[url]


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
        url = settings.JWT_JWKS_URL or f"{issuer.rstrip('/')}/.well-known/jwks.json"
        return issuer, list(settings.JWT_AUDIENCE), key_set(url).key
    if settings.JWT_DEV_ISSUER:
        from apps.accounts import dev_issuer

        audiences = list(settings.JWT_AUDIENCE) or [dev_issuer.DEV_CLIENT_ID]
        return dev_issuer.DEV_ISSUER, audiences, dev_issuer.dev_public_key
    raise InvalidToken("This service accepts no bearer tokens: no issuer is configured.")
