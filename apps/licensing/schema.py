"""OpenAPI description of license key authentication, loaded when the schema is built."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.licensing.authentication import HEADER


class LicenseKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.licensing.authentication.LicenseKeyAuthentication"
    name = "licenseKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER,
                "description": "A partner license key: ck_live_<prefix>_<secret>."}
