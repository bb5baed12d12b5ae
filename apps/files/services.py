"""Writes of user files: announce, confirm, hand out, delete and purge uploads."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from apps.core import storage
from apps.core.errors import (
    ApplicationError,
    InvalidState,
    NotFound,
    SignedUrlInvalid,
    StorageUnavailable,
    UploadIncomplete,
)
from apps.core.picture_uploads import picture_upload_open
from apps.core.storage import (
    DownloadGrant,
    PresignedDownload,
    PresignedUpload,
    StoredObject,
    UploadGrant,
)
from apps.files.errors import (
    FileNotUploaded,
    StorageQuotaExceeded,
    UploadMismatch,
    UploadSizeInvalid,
)
from apps.files.models import File

logger = logging.getLogger(__name__)

# S3 has no checksum check on browser POST uploads that our S3 emulator honours, so `complete`
# reads the object back and hashes it; past this size that would outlast the request, so a
# checksum is only accepted for files up to it.
CHECKSUM_MAX_BYTES = 100 * 1024 * 1024
# Room for the multipart boundaries and form fields around the file part.
FORM_OVERHEAD_BYTES = 64 * 1024
KEY_NAME_MAX = 100
# A file's object lives under UPLOADS_PREFIX while it is pending (its form writes there) and
# under FILES_PREFIX once complete (a copy no form can reach).
FILES_PREFIX = "files/"
UPLOADS_PREFIX = f"{storage.UPLOADS_PREFIX}files/"


def file_key(*, owner_id: int, name: str, prefix: str = FILES_PREFIX) -> str:
    """<prefix><owner>/<random>/<name>: per user, unguessable, still readable in the bucket."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name)[:KEY_NAME_MAX].strip("._") or "file"
    return f"{prefix}{owner_id}/{secrets.token_urlsafe(16)}/{safe}"


def file_create(
    *, owner, name: str, content_type: str, size: int, sha256: str = ""
) -> tuple[File, PresignedUpload]:
    """Announces a file and presigns its upload, within the owner's storage quota: every
    file they hold counts, pending ones included (their upload may still come)."""
    with transaction.atomic():
        # The owner's row lock serialises announcements, so concurrent ones cannot both fit.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
        used = File.objects.filter(owner=owner).aggregate(used=Sum("size"))["used"] or 0
        quota = settings.FILES_QUOTA_BYTES
        if used + size > quota:
            raise StorageQuotaExceeded(details={"quota": quota, "used": used, "size": size})
        file = File.objects.create(
            owner=owner, name=name, content_type=content_type, size=size, sha256=sha256,
            key=file_key(owner_id=owner.pk, name=name, prefix=UPLOADS_PREFIX),
        )
        upload = storage.presign_upload(key=file.key, content_type=content_type, min_size=size,
                                        max_size=size)
    return file, upload


def file_complete(*, file: File) -> File:
    """Marks the file uploaded once its upload is what was declared, kept where no form
    writes: the upload is copied to a key of its own under FILES_PREFIX and the copy is what
    is checked, recorded and downloaded. The form stays valid for minutes and may write the
    upload again at any moment, before the copy or after it, never to the copy."""
    if file.status == File.Status.UPLOADED:
        return file
    final_key = file_key(owner_id=file.owner_id, name=file.name)
    copied = storage.copy(source=file.key, target=final_key)
    if copied is None:
        return _completed_meanwhile(file)
    try:
        problems = _mismatches(file, copied, key=final_key)
    except BaseException:
        _delete_quietly(final_key)
        raise
    if problems:
        # Not what the owner announced: nobody should ever download it.
        _delete_quietly(final_key)
        storage.delete(key=file.key)
        raise UploadMismatch(details=problems)
    now = timezone.now()
    try:
        with transaction.atomic():
            # Only from the upload copied: a concurrent complete that got there first, or a
            # delete, leaves nothing to mark and this copy is nobody's.
            marked = File.objects.filter(
                pk=file.pk, status=File.Status.PENDING, key=file.key
            ).update(status=File.Status.UPLOADED, key=final_key, uploaded_at=now, updated_at=now)
            current = File.objects.filter(pk=file.pk).first()
    except BaseException:
        _delete_quietly(final_key)
        raise
    # The upload once copied, or the copy when nothing was marked. An upload that cannot be
    # deleted expires with the bucket's rule; a copy is logged.
    _delete_quietly(file.key if marked else final_key)
    if current is None:
        raise NotFound("File not found.")
    return current


def _mismatches(file: File, copied: StoredObject, *, key: str) -> dict[str, str]:
    """How the object at `key` differs from the declaration (empty when it does not)."""
    if copied.size != file.size:
        return {"size": f"Declared {file.size} bytes, received {copied.size}."}
    if copied.content_type is not None and copied.content_type != file.content_type:
        return {"content_type": (
            f"Declared {file.content_type!r}, received {copied.content_type!r}."
        )}
    if file.sha256 and storage.sha256(key=key) != file.sha256:
        return {"sha256": "The content does not match the declared SHA-256."}
    return {}


def _completed_meanwhile(file: File) -> File:
    """The file when a concurrent complete took its upload; else nothing was uploaded."""
    current = File.objects.filter(pk=file.pk).first()
    if current is None:
        raise NotFound("File not found.")
    if current.status != File.Status.UPLOADED:
        raise UploadIncomplete()
    return current


def _delete_quietly(key: str) -> None:
    try:
        storage.delete(key=key)
    except StorageUnavailable:
        logger.warning("files: %s kept, storage unavailable", key)


def file_download_url(*, file: File) -> PresignedDownload:
    if file.status != File.Status.UPLOADED:
        raise FileNotUploaded()
    return storage.presign_download(
        key=file.key, filename=file.name, content_type=file.content_type
    )


def _delete_locked(rows: QuerySet[File]) -> bool:
    # The record goes first inside the transaction and the object last: a database error
    # leaves both in place, a storage error rolls the record back and keeps both too.
    with transaction.atomic():
        file = rows.select_for_update().first()
        if file is None:
            return False
        file.delete()
        storage.delete(key=file.key)
    return True


def file_delete(*, file: File) -> None:
    _delete_locked(File.objects.filter(pk=file.pk))


def file_purge_pending(*, older_than: dt.timedelta) -> int:
    """Deletes uploads announced before `older_than` ago and never completed, objects too."""
    cutoff = timezone.now() - older_than
    stale = File.objects.filter(status=File.Status.PENDING, created_at__lt=cutoff)
    purged = 0
    for file_id in stale.values_list("pk", flat=True).iterator():
        try:
            # Re-checked under the row lock: a file completed meanwhile is kept.
            if _delete_locked(File.objects.filter(pk=file_id, status=File.Status.PENDING)):
                purged += 1
        except StorageUnavailable:
            logger.warning("files: purge kept %s, storage unavailable", file_id)
    return purged


def _require_local() -> None:
    """The service's own upload and download URLs exist only without a bucket."""
    if not storage.is_local(storage.files_storage()):
        raise NotFound()


def file_local_upload_authorize(*, token: str, content_length: int) -> UploadGrant:
    """Checks the signed upload URL before the body is read."""
    _require_local()
    grant = storage.upload_grant(token)
    if content_length > grant.max_size + FORM_OVERHEAD_BYTES:
        raise UploadSizeInvalid(details={"size": f"Expected {grant.expected()}."})
    return grant


def file_local_upload_receive(
    *, grant: UploadGrant, key: str, content_type: str, upload,
) -> None:
    """The local stand-in for S3's POST upload, enforcing what the POST policy pins there."""
    if key != grant.key or content_type != grant.content_type:
        raise SignedUrlInvalid("The form fields do not match the signed upload.")
    if upload is None:
        raise ApplicationError("The form has no file part.", details={"file": "Required."})
    if not grant.min_size <= upload.size <= grant.max_size:
        raise UploadSizeInvalid(details={"size": f"Expected {grant.expected()}, got "
                                                 f"{upload.size}."})
    # Open while its record awaits it: a pending file, or a picture upload not taken yet.
    if not (File.objects.filter(key=key, status=File.Status.PENDING).exists()
            or picture_upload_open(key=key)):
        raise InvalidState("This upload is closed.")
    _require_local()
    storage.save(key=key, upload=upload)


def file_local_download_open(*, token: str):
    """The open file and what the signed download URL grants."""
    _require_local()
    grant: DownloadGrant = storage.download_grant(token)
    handle = storage.open_stored(key=grant.key)
    if handle is None:
        raise NotFound("File not found.")
    return handle, grant
