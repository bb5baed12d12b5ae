"""Domain errors of license keys."""

from rest_framework import status

from apps.core.errors import ApplicationError, Conflict, InvalidState


class InvalidLicenseKey(ApplicationError):
    status_code, code = status.HTTP_401_UNAUTHORIZED, "invalid_license_key"
    default_message = "The license key is not valid."


class LicenseKeyRevoked(InvalidLicenseKey):
    code = "license_key_revoked"
    default_message = "The license key has been revoked."


class LicenseKeyExpired(InvalidLicenseKey):
    code = "license_key_expired"
    default_message = "The license key has expired."


class TooManyLicenseKeys(Conflict):
    code = "too_many_license_keys"
    default_message = "This account already has the most active license keys it may hold."


class LicenseKeyInactive(InvalidState):
    code = "license_key_inactive"
    default_message = "The license key is revoked or expired; create a new one instead."
