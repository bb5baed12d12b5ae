"""Domain errors of accounts."""

from rest_framework import status

from apps.core.errors import ApplicationError, Conflict, ServiceUnavailable


class InvalidToken(ApplicationError):
    """The token can't be trusted; the message is safe to show to the client."""

    status_code, code = status.HTTP_401_UNAUTHORIZED, "not_authenticated"
    default_message = "The token is invalid."


class KeysUnavailable(ServiceUnavailable):
    code = "identity_unavailable"
    default_message = "The identity provider's signing keys are unavailable. Try again shortly."


class InvalidClaims(ApplicationError):
    status_code, code = status.HTTP_401_UNAUTHORIZED, "not_authenticated"
    default_message = "The token carries no usable subject."


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = "A user with this username already exists."
