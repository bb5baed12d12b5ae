"""Domain errors of user files (the storage's own are in apps.core.errors)."""

from rest_framework import status

from apps.core.errors import ApplicationError, Conflict, InvalidState


class UploadMismatch(Conflict):
    code = "upload_mismatch"
    default_message = "The uploaded file does not match what was declared; upload it again."


class StorageQuotaExceeded(Conflict):
    code = "storage_quota_exceeded"
    default_message = "This file does not fit in the account's storage quota; delete files first."


class FileNotUploaded(InvalidState):
    code = "file_not_uploaded"
    default_message = "The file is not uploaded yet."


class UploadSizeInvalid(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "upload_size_invalid"
    default_message = "The uploaded file is not the declared size."
