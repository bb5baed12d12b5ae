"""The error hierarchy every domain raises; concert.api.errors renders it as JSON."""

from __future__ import annotations

from typing import Any

from rest_framework import status


class ApplicationError(Exception):
    """A domain rule refused the request. Subclasses set `status_code` and `code`."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid_request"
    default_message = "The request was refused."
    retry_after: int | None = None  # seconds, sent as Retry-After when set

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class InvalidFields(ApplicationError):
    """Fields a serializer accepted that a rule of the domain refuses; `details` names them."""

    status_code, code = status.HTTP_400_BAD_REQUEST, "invalid"
    default_message = "The request has invalid fields."


class NotFound(ApplicationError):
    status_code, code = status.HTTP_404_NOT_FOUND, "not_found"
    default_message = "Not found."


class PermissionDenied(ApplicationError):
    status_code, code = status.HTTP_403_FORBIDDEN, "permission_denied"
    default_message = "You do not have permission to perform this action."


class Conflict(ApplicationError):
    status_code, code = status.HTTP_409_CONFLICT, "conflict"
    default_message = "The request conflicts with the current state."


class InvalidState(Conflict):
    code = "invalid_state"
    default_message = "This action is not allowed in the current state."


class ServiceUnavailable(ApplicationError):
    status_code, code = status.HTTP_503_SERVICE_UNAVAILABLE, "unavailable"
    default_message = "A service this request needs is unavailable. Try again shortly."


class TooManyRequests(ApplicationError):
    status_code, code = status.HTTP_429_TOO_MANY_REQUESTS, "throttled"
    default_message = "Too many requests."

    def __init__(self, message: str | None = None, *, retry_after: int,
                 details: dict[str, Any] | None = None):
        super().__init__(message, details=details)
        self.retry_after = retry_after


# Object storage (apps.core.storage): user files and picture uploads.


class SignedUrlInvalid(ApplicationError):
    status_code, code = status.HTTP_403_FORBIDDEN, "signed_url_invalid"
    default_message = "The link is invalid or has expired."


class UploadFormInvalid(ApplicationError):
    """A presigned POST form S3 would not take as sent (the local stand-in refuses it too)."""

    status_code, code = status.HTTP_400_BAD_REQUEST, "upload_form_invalid"
    default_message = "The upload form is not one S3 would take."


class UploadIncomplete(Conflict):
    code = "upload_incomplete"
    default_message = "The file has not been uploaded yet."


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    default_message = "File storage is unavailable. Try again shortly."
