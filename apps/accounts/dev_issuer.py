"""The local dev issuer: a key pair made on first use that signs Cognito-style tokens.

It exists only outside production mode and when no JWT_ISSUER is configured
(settings.JWT_DEV_ISSUER). The private key lives in a git-ignored folder, var/dev-jwt/
by default (JWT_DEV_KEY_DIR), so tokens stay valid across restarts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from django.conf import settings

from apps.accounts.errors import InvalidToken

DEV_ISSUER = "concert-dev"
DEV_CLIENT_ID = "concert-dev-client"
KEY_FILE = "private.pem"


class DevIssuerDisabled(Exception):
    """The dev issuer was asked for in production mode or with a real issuer configured."""


def dev_key_dir() -> Path:
    return Path(getattr(settings, "JWT_DEV_KEY_DIR", settings.BASE_DIR / "var" / "dev-jwt"))


def dev_jwks() -> dict[str, Any]:
    private_key, kid = _signing_key()
    return {"keys": [_public_jwk(private_key, kid)]}


def dev_public_key(kid: str) -> jwt.PyJWK:
    private_key, own_kid = _signing_key()
    if kid != own_kid:
        raise InvalidToken("The token is signed with an unknown key.")
    return _verifier(private_key, own_kid)


def dev_sub(email: str) -> str:
    """The subject of the dev tokens minted for `email` without an explicit one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"concert-dev:{email}"))


def dev_token_mint(*, email: str, groups: list[str], sub: str | None = None,
                   kind: str = "id", ttl_seconds: int = 3600) -> str:
    """A token shaped like Cognito's: ID tokens carry `aud` and `email`, access `client_id`."""
    if kind not in ("id", "access"):
        raise ValueError("kind must be 'id' or 'access'")
    private_key, kid = _signing_key()
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub or dev_sub(email),
        "iss": DEV_ISSUER,
        "token_use": kind,
        "iat": now,
        "auth_time": now,
        "exp": now + ttl_seconds,
        "cognito:groups": groups,
    }
    if kind == "id":
        claims.update(aud=DEV_CLIENT_ID, email=email, email_verified=True)
    else:
        claims.update(client_id=DEV_CLIENT_ID, username=email, scope="openid email")
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


def _signing_key():
    if not settings.JWT_DEV_ISSUER:
        raise DevIssuerDisabled("the dev issuer exists only in local development")
    return _load_or_create(str(dev_key_dir()))


@functools.cache
def _load_or_create(folder: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = Path(folder) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{uuid.uuid4().hex}")
        temporary.write_bytes(pem)
        temporary.chmod(0o600)
        try:
            # link() fails if another process made the key first: everyone uses that one.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return private_key, _thumbprint(private_key)


def _public_jwk(private_key, kid: str | None = None) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return public if kid is None else {**public, "kid": kid, "use": "sig", "alg": "RS256"}


@functools.cache
def _verifier(private_key, kid: str) -> jwt.PyJWK:
    return jwt.PyJWK(_public_jwk(private_key, kid), algorithm="RS256")


def _thumbprint(private_key) -> str:
    # RFC 7638: SHA-256 of the canonical public JWK.
    public = _public_jwk(private_key)
    canonical = json.dumps({k: public[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
