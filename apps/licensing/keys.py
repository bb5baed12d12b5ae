"""The license key format (ck_live_<prefix>_<secret>) and how a key is hashed at rest.

A key carries 256 bits from `secrets.token_urlsafe(32)`: nobody can guess it, so a slow
password hash would only add latency to every partner request. What is stored is an
HMAC-SHA256 keyed with a pepper derived from SECRET_KEY, so a leaked table alone does not
even let anyone test a candidate key. Rows are found by the public prefix, then the hash is
compared in constant time; an unknown prefix is compared against a dummy hash so it costs
the same.
"""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

KEY_START = "ck_live_"
PREFIX_CHARS = 12
SECRET_BYTES = 32
MAX_KEY_LENGTH = 128
_SALT = "concert.licensing.LicenseKey"
_DUMMY_HASH = "0" * 64


def generate() -> tuple[str, str, str]:
    """A new key: (raw key shown once, public prefix, hash to store)."""
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    raw = f"{KEY_START}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return raw, prefix, digest(raw)


def prefix_of(raw: str) -> str | None:
    """The prefix of a well-formed key, None for anything else."""
    if len(raw) > MAX_KEY_LENGTH or not raw.startswith(KEY_START):
        return None
    prefix, sep, secret = raw[len(KEY_START):].partition("_")
    if not sep or not secret or len(prefix) != PREFIX_CHARS:
        return None
    return prefix


def digest(raw: str, secret: str | None = None) -> str:
    return salted_hmac(_SALT, raw, secret=secret, algorithm="sha256").hexdigest()


def matches(raw: str, stored_hash: str | None) -> bool:
    """Constant-time check against the current secret key and its fallbacks (key rotation)."""
    expected = stored_hash or _DUMMY_HASH
    found = False
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        found |= hmac.compare_digest(expected, digest(raw, secret))
    return found and stored_hash is not None
