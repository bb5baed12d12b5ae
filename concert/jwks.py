"""JWKS documents: fetching and parsing a user pool's signing keys, and the job that copies
them into a Secrets Manager secret for a function with no route to the internet.

The API function runs in private subnets with no NAT, so it cannot reach the user pool's
`/.well-known/jwks.json`. (Cognito's PrivateLink endpoint is no way around it: AWS documents
that a user pool with a domain, which the hosted UI needs, is incompatible with it, and it
would cost an interface endpoint.) A second, small function outside the VPC runs
`refresh_handler` on a schedule and at every apply: it fetches the JWKS and writes it to the
secret named by JWT_JWKS_SECRET_ARN when it changed. The API function reads the secret
through the Secrets Manager endpoint it already has, and reloads it when a token names an
unknown key (Cognito may rotate keys: cache by kid, refresh on a miss, as its docs advise).

This module imports no Django: the refresh function loads nothing else.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from typing import Any

import jwt

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3
MAX_BYTES = 1024 * 1024


def url_of(issuer: str, url: str = "") -> str:
    """Where an issuer publishes its keys: `url` if given, else Cognito's well-known path."""
    return url or f"{issuer.rstrip('/')}/.well-known/jwks.json"


def fetch(url: str) -> Any:
    """The JSON document at a JWKS URL (OSError or ValueError when it can't be read)."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return json.loads(response.read(MAX_BYTES))


def signing_keys(document: Any) -> dict[str, jwt.PyJWK]:
    """The RS256 signing keys of a JWKS document by kid; ValueError if it is no JWKS."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    try:
        return {
            entry["kid"]: jwt.PyJWK(entry, algorithm="RS256")
            for entry in document["keys"]
            if entry.get("kty") == "RSA" and entry.get("use", "sig") == "sig"
        }
    except (KeyError, TypeError, AttributeError, jwt.PyJWKError) as exc:
        raise ValueError(f"not a JWKS document: {exc}") from None


def refresh_handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point: copy the issuer's JWKS into the secret when it changed.

    Environment: JWT_ISSUER (or JWT_JWKS_URL) and JWT_JWKS_SECRET_ARN. A document with no
    signing key never replaces the stored one; a failure raises, so the invocation fails
    and shows in the function's error metric.
    """
    from concert import aws

    url = url_of(os.environ.get("JWT_ISSUER", ""), os.environ.get("JWT_JWKS_URL", ""))
    secret_arn = os.environ["JWT_JWKS_SECRET_ARN"]
    document = fetch(url)
    kids = sorted(signing_keys(document))
    if not kids:
        raise ValueError(f"the JWKS at {url} holds no RS256 signing key")
    value = json.dumps(document, sort_keys=True, separators=(",", ":"))
    secrets = aws.client("secretsmanager")
    try:
        current = secrets.get_secret_value(SecretId=secret_arn)["SecretString"]
    except secrets.exceptions.ResourceNotFoundException:
        current = None  # the secret exists but has no value yet
    changed = current != value
    if changed:
        secrets.put_secret_value(SecretId=secret_arn, SecretString=value)
        logger.warning("JWKS of %s stored: keys %s", url, ", ".join(kids))
    return {"changed": changed, "kids": kids}
