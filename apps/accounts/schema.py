"""OpenAPI description of Cognito JWT authentication, loaded when the schema is built."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

# Both paths read the same credential from the client's side: a Cognito ID or access token.
COGNITO_JWT = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "A Cognito ID or access token of the user pool (locally: `manage.py "
                   "mint_token`).",
}


class BearerJwtScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.BearerJWTAuthentication"
    name = "cognitoJwt"

    def get_security_definition(self, auto_schema):
        return COGNITO_JWT


class NoScheme:
    """For authentication classes that add no credential to describe."""

    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []


class ApiGatewayJwtScheme(NoScheme, OpenApiAuthenticationExtension):
    """The same bearer token, checked by API Gateway's authorizer: described once, above."""

    target_class = "apps.accounts.authentication.ApiGatewayAuthentication"


class FailedAuthenticationGateScheme(NoScheme, OpenApiAuthenticationExtension):
    """Not a credential: the failed-authentication limit that runs before the others."""

    target_class = "apps.licensing.authentication.FailedAuthenticationGate"


class UnacceptedAuthorizationScheme(NoScheme, OpenApiAuthenticationExtension):
    """Not a credential: the refusal of Authorization headers no other class took."""

    target_class = "apps.accounts.authentication.UnacceptedAuthorization"
