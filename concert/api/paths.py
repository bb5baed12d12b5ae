"""The API's two path prefixes: /api/v1 for users (JWT), /partner/v1 for partners (license key).

Both serve the same operations. Partner paths exist so that a partner's request, which
carries a license key and no JWT, reaches the service around API Gateway's JWT authorizer;
the service serves them itself, so they behave the same locally and in AWS.
"""

from __future__ import annotations

API_PREFIX = "/api/v1/"
PARTNER_PREFIX = "/partner/v1/"
PREFIXES = (API_PREFIX, PARTNER_PREFIX)


def is_partner_path(path_info: str) -> bool:
    return path_info.startswith(PARTNER_PREFIX)


def api_subpath(path_info: str) -> str | None:
    """What follows /api/v1/ or /partner/v1/ (`events/5`), None outside the API."""
    for prefix in PREFIXES:
        if path_info.startswith(prefix):
            return path_info[len(prefix):]
    return None
