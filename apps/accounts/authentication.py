"""Who is calling: Cognito identity from API Gateway's authorizer, or a bearer JWT we verify.

Behind API Gateway (AUTH_TRUST_API_GATEWAY) a route with the JWT authorizer hands over the
verified claims in the request context apig-wsgi puts in the WSGI environ, out of any
client's reach; they are the identity and the token is not checked again. Routes without the
authorizer (public and optional-auth reads, partner paths) bring no claims: there, as
locally and in docker compose, the service verifies the bearer token itself, so a caller
keeps its identity on every route. `Authorization: Bearer` values that are not JWTs are left
to the classes after these. Partner paths (/partner/v1) take a license key only: no JWT
is read there (apps.licensing.authentication).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import authentication, exceptions

from apps.accounts.errors import InvalidClaims, InvalidToken
from concert.api.paths import is_partner_path


class CognitoAuthentication(authentication.BaseAuthentication):
    """Shared by both paths: the user from claims, and the 401 challenge."""

    def authenticate_header(self, request) -> str:
        if _bearer_token(request) is not None:
            return 'Bearer realm="concert", error="invalid_token"'
        return 'Bearer realm="concert"'

    def user_for(self, claims: dict[str, Any]):
        # Imported with the first token: DRF imports every authentication class at start-up,
        # and an anonymous cold start needs none of the accounts' services.
        from apps.accounts.services import user_sync_from_claims

        try:
            user = user_sync_from_claims(claims=claims)
        except InvalidClaims as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        if not user.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        return user, claims


class ApiGatewayAuthentication(CognitoAuthentication):
    """The claims API Gateway's JWT authorizer verified (HTTP API, payload 2.0)."""

    def authenticate(self, request):
        if not settings.AUTH_TRUST_API_GATEWAY or is_partner_path(request.path_info):
            return None
        context = request.META.get("apig_wsgi.request_context") or {}
        claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
        if not claims:
            return None
        return self.user_for(dict(claims))


class BearerJWTAuthentication(CognitoAuthentication):
    """A Cognito (or dev issuer) RS256 JWT in `Authorization: Bearer`, verified here.

    Second in line: behind API Gateway it runs only where no authorizer's claims came along.
    """

    def authenticate(self, request):
        token = _bearer_token(request)
        if is_partner_path(request.path_info) or token is None or token.count(".") != 2:
            return None
        # PyJWT and cryptography load only where tokens are verified, not behind API Gateway.
        from apps.accounts.tokens import token_claims

        try:
            claims = token_claims(token)
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return self.user_for(claims)


class UnacceptedAuthorization(authentication.BaseAuthentication):
    """Last in line: an Authorization header no class before took (not a bearer JWT, a
    malformed one, another scheme, a JWT on partner paths) is a 401, never read as an
    anonymous caller: a client whose token got mangled hears so, rather than being served
    the public pages without its own drafts."""

    def authenticate(self, request):
        if "HTTP_AUTHORIZATION" not in request.META:
            return None
        if is_partner_path(request.path_info):
            raise exceptions.AuthenticationFailed(
                "Partner paths take a license key in X-Api-Key, not an Authorization header.")
        raise exceptions.AuthenticationFailed(
            "The Authorization header holds no bearer token (a JWT) this API accepts.")


def _bearer_token(request) -> str | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
