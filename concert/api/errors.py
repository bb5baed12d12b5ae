"""One JSON error envelope for every non-2xx response: DRF, Django and domain errors alike."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.db import RETRYABLE_DB_ERRORS
from apps.core.errors import ApplicationError
from concert.api.json import json_response

logger = logging.getLogger(__name__)

CODES_BY_STATUS = {
    400: ("bad_request", "The request is malformed."),
    401: ("not_authenticated", "Authentication credentials were not provided or are invalid."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    406: ("not_acceptable", "The requested response format is not available."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Unsupported media type."),
    429: ("throttled", "Too many requests."),
    500: ("server_error", "Internal server error."),
    503: ("unavailable", "Service unavailable."),
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(status_code: int, code: str | None = None, message: str | None = None,
                   details: Any = None) -> HttpResponse:
    default_code, default_message = CODES_BY_STATUS.get(
        status_code, ("client_error" if status_code < 500 else "server_error", "Request failed.")
    )
    return json_response(
        error_body(code or default_code, message or default_message, details),
        status=status_code,
    )


def exception_handler(exc: Exception, context: dict[str, Any]):
    """DRF's EXCEPTION_HANDLER: domain errors and DRF errors share the envelope."""
    if isinstance(exc, ApplicationError):
        response = error_response(exc.status_code, exc.code, exc.message, exc.details)
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, OperationalError) and exc.args and exc.args[0] in RETRYABLE_DB_ERRORS:
        # Two writes met on the same rows (a deadlock, a lock wait timeout): the database is
        # up, and the request may be sent again at once.
        logger.warning("lock conflict: %s", exc)
        response = error_response(status.HTTP_503_SERVICE_UNAVAILABLE, "unavailable",
                                  "Too many changes at once; try again.")
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, OperationalError):
        logger.warning("database unavailable: %s", exc)
        response = error_response(status.HTTP_503_SERVICE_UNAVAILABLE, "unavailable",
                                  "The database is unavailable. Try again shortly.")
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, exceptions.AuthenticationFailed) and context.get("request") is not None:
        from concert.api.throttling import FailedAuthenticationThrottle

        FailedAuthenticationThrottle().record(context["request"])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unknown errors become Django's handler500, logged with the request id
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", "The request has invalid fields.", details)
    else:
        code = exc.get_codes()
        if not isinstance(code, str):
            code = CODES_BY_STATUS.get(response.status_code, ("error",))[0]
        response.data = error_body(code, str(exc.detail))
    return response


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return error_response(status.HTTP_400_BAD_REQUEST)


def permission_denied(request, exception=None):
    return error_response(status.HTTP_403_FORBIDDEN)


def not_found(request, exception=None):
    return error_response(status.HTTP_404_NOT_FOUND)


def server_error(request):
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR)


def csrf_failure(request, reason=""):
    return error_response(status.HTTP_403_FORBIDDEN, "csrf_failed", "CSRF verification failed.")
