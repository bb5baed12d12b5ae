"""DRF authentication for partner requests that carry a license key in X-Api-Key, and the gate
in front of every authentication that refuses addresses past their failed-authentication rate."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from apps.accounts.authentication import CognitoAuthentication
from apps.licensing.errors import InvalidLicenseKey
from apps.licensing.selectors import key_user, license_key_from_raw
from concert.api.paths import is_partner_path
from concert.api.throttling import FailedAuthenticationThrottle, has_credentials

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
        from apps.licensing.services import license_key_touch  # with the first key presented

        license_key_touch(key=key)
        return key_user(key=key), key

    def authenticate_header(self, request) -> str:
        return f'ApiKey realm="api", header="{HEADER}"'


class FailedAuthenticationGate(CognitoAuthentication):
    """First in line: an address past its failed-authentication rate gets a 429 for any
    request carrying credentials, before they are checked (FailedAuthenticationThrottle).
    Being first, it also names the 401 challenge: a license key's on partner paths, else a
    bearer token's."""

    def authenticate(self, request):
        if has_credentials(request):
            FailedAuthenticationThrottle().allow_request(request, None)
        return None

    def authenticate_header(self, request) -> str:
        if is_partner_path(request.path_info):
            return LicenseKeyAuthentication().authenticate_header(request)
        return super().authenticate_header(request)
