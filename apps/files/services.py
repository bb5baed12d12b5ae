"""Writes of user files: announce, confirm, hand out, delete and purge uploads."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import Max, Sum
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
from apps.core.instants import iso_utc
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
from apps.files.models import File, StrayObject

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
    file they hold counts, pending ones included (their upload may still come), and so does
    the upload of a file they deleted while its form could still write it, until the form
    has expired and the object is deleted (done here first, for what has expired)."""
    strays_delete(owner_id=owner.pk)
    with transaction.atomic():
        _lock_owner(owner.pk)
        files = File.objects.filter(owner=owner).aggregate(used=Sum("size"))["used"] or 0
        held = StrayObject.objects.filter(owner=owner, kind=StrayObject.Kind.UPLOAD).aggregate(
            held=Sum("size"), until=Max("writable_until"))
        used, quota = files + (held["held"] or 0), settings.FILES_QUOTA_BYTES
        if used + size > quota:
            details = {"quota": quota, "used": used, "size": size}
            if held["held"]:
                details.update(held=held["held"], held_until=iso_utc(held["until"]))
            raise StorageQuotaExceeded(details=details)
        key = file_key(owner_id=owner.pk, name=name, prefix=UPLOADS_PREFIX)
        file = File.objects.create(
            owner=owner, name=name, content_type=content_type, size=size, sha256=sha256,
            key=key, upload_key=key,
        )
        upload = storage.presign_upload(key=file.key, content_type=content_type, min_size=size,
                                        max_size=size)
    return file, upload


def _lock_owner(owner_id: int) -> None:
    """Takes the owner's row, first, where their files' bytes are counted or given back:
    concurrent announcements cannot both fit, and a file deleted meanwhile counts once, as
    the file or as its upload."""
    get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("pk").get()


def file_complete(*, file: File) -> File:
    """Marks the file uploaded once its upload is what was declared, kept where no form
    writes: the upload is copied to a key of its own under FILES_PREFIX and the copy is what
    is checked, recorded and downloaded. The form stays valid for minutes and may write the
    upload again at any moment, before the copy or after it, never to the copy.

    Every attempt copies to a key of its own, recorded (committed) before the copy begins,
    so a copy is always the file's or a stray's: one an attempt cannot delete, because
    storage or the process fails, is deleted once that attempt's time is up (by the owner's
    next complete or announcement, or the daily purge)."""
    if file.status == File.Status.UPLOADED:
        return file
    strays_delete(owner_id=file.owner_id)
    with transaction.atomic(durable=True):
        stray = StrayObject.objects.create(
            owner_id=file.owner_id, kind=StrayObject.Kind.COPY, size=file.size,
            key=file_key(owner_id=file.owner_id, name=file.name),
            writable_until=timezone.now() + storage.request_lifetime(),
        )
    try:
        copied = storage.copy(source=file.key, target=stray.key)
        problems = {} if copied is None else _mismatches(file, copied, key=stray.key)
        marked = copied is not None and not problems and _record_copy(file, stray)
    except BaseException:
        _stray_delete(stray)
        raise
    if not marked:
        # Nobody's copy: nothing was there to copy, it is not what was announced (nobody
        # should ever download it), or a concurrent complete or a delete got there first.
        _stray_delete(stray)
    if copied is None:
        return _completed_meanwhile(file)
    if problems:
        storage.delete(key=file.key)
        raise UploadMismatch(details=problems)
    if marked:
        # The upload, copied. A form posting again writes it anew, at the file's upload_key.
        _delete_quietly(file.key)
    current = File.objects.filter(pk=file.pk).first()
    if current is None:
        raise NotFound("File not found.")
    return current


def _record_copy(file: File, stray: StrayObject) -> bool:
    """Marks the file uploaded at the copy `stray` records, which becomes the file's; False
    when a concurrent complete got there first, or a delete: this copy is nobody's."""
    now = timezone.now()
    with transaction.atomic():
        if not StrayObject.objects.select_for_update().filter(pk=stray.pk).exists():
            # Deleted as abandoned: this request outlived REQUEST_TIME_LIMIT.
            raise StorageUnavailable()
        # Only from the upload copied.
        marked = File.objects.filter(
            pk=file.pk, status=File.Status.PENDING, key=file.key
        ).update(status=File.Status.UPLOADED, key=stray.key, uploaded_at=now, updated_at=now)
        if marked:
            StrayObject.objects.filter(pk=stray.pk).delete()
    return bool(marked)


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


def _stray_delete(stray: StrayObject) -> bool:
    """Deletes the object, then its record; what fails leaves the record for the purge."""
    try:
        storage.delete(key=stray.key)
        StrayObject.objects.filter(pk=stray.pk).delete()
    except (StorageUnavailable, DatabaseError):
        logger.warning("files: stray %s kept for the purge", stray.key)
        return False
    return True


def strays_delete(*, owner_id: int | None = None) -> int:
    """Deletes the stray objects nothing can write any more (of one owner, or everyone's),
    records too; answers how many."""
    done = StrayObject.objects.filter(writable_until__lt=timezone.now())
    if owner_id is not None:
        done = done.filter(owner_id=owner_id)
    return sum(_stray_delete(stray) for stray in done.iterator())


def file_download_url(*, file: File) -> PresignedDownload:
    if file.status != File.Status.UPLOADED:
        raise FileNotUploaded()
    return storage.presign_download(
        key=file.key, filename=file.name, content_type=file.content_type
    )


def _delete_locked(*, file_id, owner_id: int, pending_only: bool = False) -> bool:
    """Deletes the file, record and objects; its upload, while its form may still write it,
    becomes a stray that keeps counting against the quota until the form has expired.

    The record goes first inside the transaction and the objects last: a database error
    leaves all in place, a storage error rolls the record back and keeps the file too."""
    with transaction.atomic():
        _lock_owner(owner_id)
        rows = File.objects.filter(pk=file_id)
        if pending_only:
            rows = rows.filter(status=File.Status.PENDING)
        file = rows.select_for_update().first()
        if file is None:
            return False
        file.delete()
        # Rows from before upload_key: a pending file's form wrote at its key.
        form_key = file.upload_key or (file.key if file.status == File.Status.PENDING else "")
        writable_until = file.created_at + storage.UPLOAD_URL_TTL + storage.FORM_CLOCK_MARGIN
        if form_key and timezone.now() < writable_until:
            StrayObject.objects.create(
                owner_id=file.owner_id, kind=StrayObject.Kind.UPLOAD, key=form_key,
                size=file.size, writable_until=writable_until,
            )
        if form_key and form_key != file.key:
            storage.delete(key=form_key)  # what the form posted after complete, if anything
        storage.delete(key=file.key)
    return True


def file_delete(*, file: File) -> None:
    _delete_locked(file_id=file.pk, owner_id=file.owner_id)


def file_purge_pending(*, older_than: dt.timedelta) -> int:
    """Deletes uploads announced before `older_than` ago and never completed, objects too."""
    cutoff = timezone.now() - older_than
    stale = File.objects.filter(status=File.Status.PENDING, created_at__lt=cutoff)
    purged = 0
    for file_id, owner_id in stale.values_list("pk", "owner_id").iterator():
        try:
            # Re-checked under the row lock: a file completed meanwhile is kept.
            if _delete_locked(file_id=file_id, owner_id=owner_id, pending_only=True):
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
        raise UploadSizeInvalid(details={"size": f"Expected {grant.expected()}, got a form "
                                                 f"of {content_length} bytes."})
    return grant


def file_local_upload_receive(
    *, grant: UploadGrant, key: str, content_type: str, upload,
) -> None:
    """The local stand-in for S3's POST upload, enforcing what the POST policy pins there."""
    # A form without them (or a body that is no form) is malformed, as S3 answers it (400).
    missing = {name: "Required." for name, absent in (
        ("key", not key), ("Content-Type", not content_type), ("file", upload is None)) if absent}
    if missing:
        message = "The form has no file part." if list(missing) == ["file"] else (
            "The form lacks fields of the signed upload.")
        raise ApplicationError(message, details=missing)
    if key != grant.key or content_type != grant.content_type:
        raise SignedUrlInvalid("The form fields do not match the signed upload.")
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
