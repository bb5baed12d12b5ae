"""Where file bytes live: S3 with presigned URLs, or a local folder behind signed service URLs.

Both backends answer the same small protocol so services never branch on the backend. The
local backend mimics S3's browser POST: the client posts the returned `fields` plus a `file`
part to `url`, whichever backend issued them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from apps.files.errors import SignedUrlInvalid, StorageUnavailable

logger = logging.getLogger(__name__)

UPLOAD_URL_TTL = dt.timedelta(minutes=15)
DOWNLOAD_URL_TTL = dt.timedelta(minutes=5)
SSE_ALGORITHM = "AES256"
CHUNK_BYTES = 1024 * 1024
MISSING_KEY_CODES = frozenset({"404", "NoSuchKey", "403", "AccessDenied"})


class PresignedUpload(NamedTuple):
    url: str
    fields: dict[str, str]
    expires_at: dt.datetime


class PresignedDownload(NamedTuple):
    url: str
    expires_at: dt.datetime


class StoredObject(NamedTuple):
    size: int
    content_type: str | None  # None: the backend checked it on upload and keeps no copy


class FileStorage(Protocol):
    def presign_upload(self, *, key: str, content_type: str, size: int) -> PresignedUpload: ...

    def presign_download(
        self, *, key: str, filename: str, content_type: str
    ) -> PresignedDownload: ...

    def stat(self, *, key: str) -> StoredObject | None: ...

    def sha256(self, *, key: str) -> str: ...

    def delete(self, *, key: str) -> None: ...


def files_storage() -> FileStorage:
    if settings.FILES_BUCKET:
        return S3Storage(bucket=settings.FILES_BUCKET)
    return LocalStorage(root=Path(settings.FILES_ROOT))


def _attachment(filename: str) -> str:
    return content_disposition_header(as_attachment=True, filename=filename)


def _hexdigest(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _s3_errors(action: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        logger.warning("files storage: %s failed: %s", action, exc)
        raise StorageUnavailable() from exc


@functools.cache
def _presigner(public_endpoint_url: str) -> Any:
    """A client that only signs: its endpoint is the one clients reach S3 by (compose's
    localhost:5000 while the service calls s3:5000); SigV4, which SSE and new regions need."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=public_endpoint_url or None, config=Config(signature_version="s3v4")
    )


class S3Storage:
    def __init__(self, *, bucket: str):
        self.bucket = bucket

    @property
    def _client(self) -> Any:
        from concert import aws

        return aws.client("s3")

    @property
    def _signer(self) -> Any:
        return _presigner(settings.FILES_PUBLIC_ENDPOINT_URL)

    def presign_upload(self, *, key: str, content_type: str, size: int) -> PresignedUpload:
        fields = {"Content-Type": content_type, "x-amz-server-side-encryption": SSE_ALGORITHM}
        conditions: list[Any] = [
            {"Content-Type": content_type},
            {"x-amz-server-side-encryption": SSE_ALGORITHM},
            ["content-length-range", size, size],
        ]
        with _s3_errors("presign upload"):
            post = self._signer.generate_presigned_post(
                Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions,
                ExpiresIn=int(UPLOAD_URL_TTL.total_seconds()),
            )
        return PresignedUpload(post["url"], post["fields"], timezone.now() + UPLOAD_URL_TTL)

    def presign_download(
        self, *, key: str, filename: str, content_type: str
    ) -> PresignedDownload:
        params = {
            "Bucket": self.bucket, "Key": key,
            "ResponseContentDisposition": _attachment(filename),
            "ResponseContentType": content_type,
        }
        with _s3_errors("presign download"):
            url = self._signer.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=int(DOWNLOAD_URL_TTL.total_seconds())
            )
        return PresignedDownload(url, timezone.now() + DOWNLOAD_URL_TTL)

    def stat(self, *, key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        with _s3_errors("head object"):
            try:
                head = self._client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                # Without s3:ListBucket (the service's role has none) S3 answers a missing
                # key with 403 rather than 404.
                if exc.response.get("Error", {}).get("Code") in MISSING_KEY_CODES:
                    return None
                raise
        return StoredObject(head["ContentLength"], head.get("ContentType", ""))

    def sha256(self, *, key: str) -> str:
        with _s3_errors("read object"):
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with contextlib.closing(body):
                return _hexdigest(body.iter_chunks(CHUNK_BYTES))

    def delete(self, *, key: str) -> None:
        with _s3_errors("delete object"):
            self._client.delete_object(Bucket=self.bucket, Key=key)


class UploadGrant(NamedTuple):
    key: str
    size: int
    content_type: str


class DownloadGrant(NamedTuple):
    key: str
    filename: str
    content_type: str


class LocalStorage:
    """A folder on disk; uploads and downloads go through the service with signed URLs."""

    upload_salt = "files.local.upload"
    download_salt = "files.local.download"

    def __init__(self, *, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        root = self.root.resolve()
        path = root.joinpath(*key.split("/")).resolve()
        if not path.is_relative_to(root) or path == root:
            raise SignedUrlInvalid()
        return path

    def presign_upload(self, *, key: str, content_type: str, size: int) -> PresignedUpload:
        token = signing.TimestampSigner(salt=self.upload_salt).sign_object(
            {"key": key, "size": size, "content_type": content_type}
        )
        url = f"{reverse('files:local-upload')}?{urlencode({'token': token})}"
        fields = {"key": key, "Content-Type": content_type}
        return PresignedUpload(url, fields, timezone.now() + UPLOAD_URL_TTL)

    def presign_download(
        self, *, key: str, filename: str, content_type: str
    ) -> PresignedDownload:
        token = signing.TimestampSigner(salt=self.download_salt).sign_object(
            {"key": key, "filename": filename, "content_type": content_type}
        )
        url = f"{reverse('files:local-download')}?{urlencode({'token': token})}"
        return PresignedDownload(url, timezone.now() + DOWNLOAD_URL_TTL)

    def upload_grant(self, token: str) -> UploadGrant:
        return UploadGrant(**self._unsign(token, self.upload_salt, UPLOAD_URL_TTL))

    def download_grant(self, token: str) -> DownloadGrant:
        return DownloadGrant(**self._unsign(token, self.download_salt, DOWNLOAD_URL_TTL))

    @staticmethod
    def _unsign(token: str, salt: str, ttl: dt.timedelta) -> dict[str, Any]:
        try:
            return signing.TimestampSigner(salt=salt).unsign_object(token, max_age=ttl)
        except (signing.BadSignature, ValueError, TypeError):
            raise SignedUrlInvalid() from None

    def save(self, *, key: str, chunks: Iterable[bytes]) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in chunks:
                        out.write(chunk)
                # Readers never see a half-written file: the rename is atomic.
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            logger.warning("files storage: saving %s failed: %s", key, exc)
            raise StorageUnavailable() from exc

    def open(self, *, key: str) -> BinaryIO | None:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            return None

    def stat(self, *, key: str) -> StoredObject | None:
        try:
            size = self.path(key).stat().st_size
        except FileNotFoundError:
            return None
        return StoredObject(size, None)

    def sha256(self, *, key: str) -> str:
        try:
            with self.path(key).open("rb") as source:
                return _hexdigest(iter(lambda: source.read(CHUNK_BYTES), b""))
        except OSError as exc:
            raise StorageUnavailable() from exc

    def delete(self, *, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable() from exc
