"""Where uploaded bytes live: the "files" storage of STORAGES, and the URLs clients move
them by. User files stay there; pictures pass through it on their way in (apps.core.pictures).

With a bucket it is django-storages' S3 backend and clients use presigned URLs (the
"files_links" storage signs them, by the endpoint clients reach S3 at). Without one it is
Django's file-system storage on FILES_ROOT, and the service hands out signed URLs of its
own that mimic S3's: the client posts the returned `fields` plus a `file` part to `url`,
whichever storage issued them. Everything else (size, checksum, copy, delete) works the same
for both: through the Storage API, or S3's own calls where it has no equivalent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from apps.core.errors import SignedUrlInvalid, StorageUnavailable

logger = logging.getLogger(__name__)

# Where presigned forms put objects, and nowhere else: a form stays valid for UPLOAD_URL_TTL
# whatever the service does meanwhile, so an object a form can reach is never what the
# service keeps. In S3 the bucket's lifecycle rule expires what is left under it.
UPLOADS_PREFIX = "uploads/"
UPLOAD_URL_TTL = dt.timedelta(minutes=15)
# S3 judges a form's expiry by its own clock (and botocore writes it to the second, rounded
# down): the service takes a form for usable this much longer.
FORM_CLOCK_MARGIN = dt.timedelta(minutes=1)
# Past REQUEST_TIME_LIMIT (the function's timeout, when Lambda stops it) and this margin, a
# request that claimed some work and did not finish it is gone.
REQUEST_MARGIN = dt.timedelta(seconds=30)
DOWNLOAD_URL_TTL = dt.timedelta(minutes=5)
SSE_ALGORITHM = "AES256"
CHUNK_BYTES = 1024 * 1024
# Objects up to this size are copied by one CopyObject, larger ones in parts of this size
# copied side by side (UploadPartCopy), which keeps a copy of gigabytes within a request.
COPY_PART_BYTES = 128 * 1024 * 1024
# Without s3:ListBucket (the service's role has none) S3 answers a missing key with 403.
MISSING_KEY_CODES = frozenset({"404", "NoSuchKey", "403", "AccessDenied"})
UPLOAD_SALT = "files.local.upload"
DOWNLOAD_SALT = "files.local.download"


class PresignedUpload(NamedTuple):
    url: str
    fields: dict[str, str]
    expires_at: dt.datetime


class PresignedDownload(NamedTuple):
    url: str
    expires_at: dt.datetime


class StoredObject(NamedTuple):
    size: int
    content_type: str | None  # None: the service checked it on upload and keeps no copy


class UploadGrant(NamedTuple):
    key: str
    min_size: int
    max_size: int
    content_type: str

    def expected(self) -> str:
        if self.min_size == self.max_size:
            return f"{self.max_size} bytes"
        return f"{self.min_size} to {self.max_size} bytes"


class DownloadGrant(NamedTuple):
    key: str
    filename: str
    content_type: str


def request_lifetime() -> dt.timedelta:
    """The longest a request's work may go on: work claimed longer ago and left unfinished
    (a picture upload claimed, a file's copy begun) belongs to a request that is gone."""
    return dt.timedelta(seconds=settings.REQUEST_TIME_LIMIT) + REQUEST_MARGIN


def files_storage() -> Storage:
    return storages["files"]


def is_local(storage: Storage) -> bool:
    """Whether files move through the service's own signed URLs (no bucket)."""
    return isinstance(storage, FileSystemStorage)


@contextlib.contextmanager
def _unavailable(action: str) -> Iterator[None]:
    """Storage failures (S3 errors, the disk) as StorageUnavailable; a name outside the
    storage as an invalid link."""
    try:
        yield
    except SuspiciousFileOperation:
        raise SignedUrlInvalid() from None
    except FileNotFoundError:
        raise
    except Exception as exc:
        if not isinstance(exc, OSError) and not _is_aws_error(exc):
            raise
        logger.warning("files storage: %s failed: %s", action, exc)
        raise StorageUnavailable() from exc


def _is_aws_error(exc: Exception) -> bool:
    module = type(exc).__module__
    return module.startswith(("botocore", "boto3", "s3transfer"))


def presign_upload(
    *, key: str, content_type: str, min_size: int, max_size: int
) -> PresignedUpload:
    """A POST form for one object at `key`, under UPLOADS_PREFIX: its type is
    `content_type`, its size in [min_size, max_size]; S3 (or the local stand-in) refuses any
    other."""
    if not key.startswith(UPLOADS_PREFIX):
        raise ValueError(f"forms only write under {UPLOADS_PREFIX}, not at {key!r}")
    expires_at = timezone.now() + UPLOAD_URL_TTL
    if is_local(files_storage()):
        grant = UploadGrant(key=key, min_size=min_size, max_size=max_size,
                            content_type=content_type)
        url = _signed_url("files:local-upload", UPLOAD_SALT, grant)
        return PresignedUpload(url, {"key": key, "Content-Type": content_type}, expires_at)
    links = storages["files_links"]
    fields = {"Content-Type": content_type, "x-amz-server-side-encryption": SSE_ALGORITHM}
    conditions: list[Any] = [
        {"Content-Type": content_type},
        {"x-amz-server-side-encryption": SSE_ALGORITHM},
        ["content-length-range", min_size, max_size],
    ]
    with _unavailable("presign upload"):
        post = links.connection.meta.client.generate_presigned_post(
            Bucket=links.bucket_name, Key=key, Fields=fields, Conditions=conditions,
            ExpiresIn=int(UPLOAD_URL_TTL.total_seconds()),
        )
    return PresignedUpload(post["url"], post["fields"], expires_at)


def presign_download(*, key: str, filename: str, content_type: str) -> PresignedDownload:
    expires_at = timezone.now() + DOWNLOAD_URL_TTL
    if is_local(files_storage()):
        url = _signed_url("files:local-download", DOWNLOAD_SALT,
                          DownloadGrant(key=key, filename=filename, content_type=content_type))
        return PresignedDownload(url, expires_at)
    parameters = {
        "ResponseContentDisposition": content_disposition_header(as_attachment=True,
                                                                 filename=filename),
        "ResponseContentType": content_type,
    }
    with _unavailable("presign download"):
        url = storages["files_links"].url(key, parameters=parameters,
                                          expire=int(DOWNLOAD_URL_TTL.total_seconds()))
    return PresignedDownload(url, expires_at)


def stat(*, key: str) -> StoredObject | None:
    """Size and content type of the stored object, None when there is none."""
    storage = files_storage()
    if is_local(storage):
        with _unavailable("stat"):
            try:
                return StoredObject(storage.size(key), None)
            except FileNotFoundError:
                return None
    from botocore.exceptions import ClientError

    with _unavailable("head object"):
        try:
            head = storage.connection.meta.client.head_object(Bucket=storage.bucket_name,
                                                              Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_KEY_CODES:
                return None
            raise
    return StoredObject(head["ContentLength"], head.get("ContentType", ""))


def copy(*, source: str, target: str) -> StoredObject | None:
    """Copies the object at `source` to `target`; answers the copy's size and type, None
    when there is nothing at `source`. S3 copies one object whole (one CopyObject, or parts
    that all copy the object the copy began with); a file on disk written again while it is
    copied may give a copy of neither, so what counts is the copy, checked after."""
    storage = files_storage()
    if is_local(storage):
        with _unavailable("copy"):
            try:
                with storage.open(source, "rb") as stored:
                    storage.save(target, stored)
            except FileNotFoundError:
                return None
    else:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import ClientError

        config = TransferConfig(multipart_threshold=COPY_PART_BYTES,
                                multipart_chunksize=COPY_PART_BYTES)
        with _unavailable("copy object"):
            try:
                # s3transfer reads the source's ETag first and copies each part only if
                # the source still has it (x-amz-copy-source-if-match).
                storage.connection.meta.client.copy(
                    {"Bucket": storage.bucket_name, "Key": source}, storage.bucket_name, target,
                    ExtraArgs={"ServerSideEncryption": SSE_ALGORITHM}, Config=config,
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in MISSING_KEY_CODES:
                    return None
                raise
    copied = stat(key=target)
    if copied is None:
        raise StorageUnavailable()
    return copied


def sha256(*, key: str) -> str:
    digest = hashlib.sha256()
    with _unavailable("read object"):
        try:
            with files_storage().open(key, "rb") as stored:
                for chunk in stored.chunks(CHUNK_BYTES):
                    digest.update(chunk)
        except FileNotFoundError as exc:
            raise StorageUnavailable() from exc
    return digest.hexdigest()


def delete(*, key: str) -> None:
    storage = files_storage()
    with _unavailable("delete object"):
        if is_local(storage):
            storage.delete(key)
        else:
            # Not S3Storage.delete, which takes any 404 for done: a missing bucket too.
            storage.connection.meta.client.delete_object(Bucket=storage.bucket_name, Key=key)


# The local folder's stand-ins for S3's presigned POST and GET.


def upload_grant(token: str) -> UploadGrant:
    return UploadGrant(**_unsign(token, UPLOAD_SALT, UPLOAD_URL_TTL))


def download_grant(token: str) -> DownloadGrant:
    return DownloadGrant(**_unsign(token, DOWNLOAD_SALT, DOWNLOAD_URL_TTL))


def _signed_url(view_name: str, salt: str, grant: UploadGrant | DownloadGrant) -> str:
    token = signing.TimestampSigner(salt=salt).sign_object(grant._asdict())
    return f"{reverse(view_name)}?{urlencode({'token': token})}"


def _unsign(token: str, salt: str, ttl: dt.timedelta) -> dict[str, Any]:
    try:
        return signing.TimestampSigner(salt=salt).unsign_object(token, max_age=ttl)
    except (signing.BadSignature, ValueError, TypeError):
        raise SignedUrlInvalid() from None


def save(*, key: str, upload) -> None:
    """Stores an uploaded file under `key` (an upload spooled to disk is moved in whole)."""
    with _unavailable(f"saving {key}"):
        files_storage().save(key, upload)


def read(*, key: str, max_bytes: int) -> bytes | None:
    """The object's bytes, at most `max_bytes` + 1 (enough to tell it is longer); None when
    there is none."""
    with _unavailable("read object"):
        try:
            with files_storage().open(key, "rb") as stored:
                return stored.read(max_bytes + 1)
        except FileNotFoundError:
            return None


def open_stored(*, key: str) -> BinaryIO | None:
    with _unavailable("open"):
        try:
            return files_storage().open(key, "rb")
        except FileNotFoundError:
            return None
