"""DRF authentication for partner requests that carry a license key in X-Api-Key."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from apps.licensing.errors import InvalidLicenseKey
from apps.licensing.selectors import key_user, license_key_from_raw
from apps.licensing.services import license_key_touch

HEADER = "X-Api-Key"


class LicenseKeyAuthentication(authentication.BaseAuthentication):
    """request.user is the key's owner, acting with the key's role at most (never above
    organizer), and request.auth the key, whose `.scopes` limit it."""

    def authenticate(self, request):
        raw = request.META.get("HTTP_X_API_KEY")
        if raw is None:
            return None
        try:
            key = license_key_from_raw(raw_key=raw.strip())
        except InvalidLicenseKey as exc:
            raise exceptions.AuthenticationFailed(exc.message, exc.code) from None
        license_key_touch(key=key)
        return key_user(key=key), key

    def authenticate_header(self, request) -> str:
        return f'ApiKey realm="api", header="{HEADER}"'
