"""Pictures come in around the function: presign, post to the storage, then take the upload.

Behind API Gateway a request body reaches Lambda base64-encoded inside an event of at most
6 MB, so a picture larger than about 4.5 MB could never arrive in a request (API Gateway
would answer with its own error). Instead the owner asks for an upload
(`picture_upload_create`: a presigned POST to a fresh key under `uploads/pictures/` of the
files storage, S3 or the local stand-in, for one picture folder), posts the file there, and
names the upload to the API, whose service stores the picture from it
(`picture_upload_store`, the checks of apps.core.pictures unchanged) and takes it in the
transaction that records the picture (`picture_upload_take`). The object is deleted once that
commits; anything left behind (abandoned uploads, a failed delete) goes with the purge
(`picture_uploads_purge`, daily) and, in S3, the bucket's lifecycle rule on `uploads/`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core import storage
from apps.core.errors import NotFound, StorageUnavailable, TooManyRequests, UploadIncomplete
from apps.core.models import PictureUpload
from apps.core.pictures import (
    CONTENT_TYPES,
    PictureInvalid,
    PictureTooLarge,
    StoredPicture,
    picture_store,
)
from apps.core.storage import PresignedUpload

logger = logging.getLogger(__name__)

UPLOADS_PREFIX = f"{storage.UPLOADS_PREFIX}pictures/"
# Uploads an account may hold open at once (asked for, their POST still valid, not taken):
# each may put PICTURE_UPLOAD_MAX_BYTES in the bucket until the lifecycle rule expires it,
# so this bounds what one account can park there per UPLOAD_URL_TTL.
OPEN_UPLOADS_MAX = 5
NOT_POSTED = "The picture has not been uploaded yet: post it to the upload's url first."


class PictureUploadNotFound(NotFound):
    code = "upload_not_found"
    default_message = ("No such upload: ask for a new one. An upload serves once, its owner "
                       "alone, for the picture it was asked for.")


def picture_upload_create(
    *, owner: Any, prefix: str, content_type: str
) -> tuple[PictureUpload, PresignedUpload]:
    """Records an upload of one picture for the folder `prefix` (avatars/7, events/12) and
    presigns its POST: `content_type`, 1 byte to PICTURE_UPLOAD_MAX_BYTES."""
    if content_type not in CONTENT_TYPES.values():
        raise ValueError(f"not a picture type: {content_type!r}")
    upload_id = uuid.uuid4()
    with transaction.atomic():
        _require_room_for_an_upload(owner)
        upload = PictureUpload.objects.create(
            id=upload_id, owner=owner, prefix=prefix, content_type=content_type,
            key=f"{UPLOADS_PREFIX}{owner.pk}/{upload_id.hex}",
        )
        # Presigned inside the transaction: storage that cannot sign leaves no record.
        form = storage.presign_upload(key=upload.key, content_type=content_type, min_size=1,
                                      max_size=settings.PICTURE_UPLOAD_MAX_BYTES)
    return upload, form


def _require_room_for_an_upload(owner: Any) -> None:
    """Refuses a sixth open upload (429 until the oldest one's POST expires). The owner's
    row is locked, so concurrent asks count one after another."""
    get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
    since = timezone.now() - storage.UPLOAD_URL_TTL
    open_uploads = list(PictureUpload.objects.filter(
        owner=owner, taken_at__isnull=True, created_at__gt=since
    ).order_by("created_at").values_list("created_at", flat=True)[:OPEN_UPLOADS_MAX])
    if len(open_uploads) >= OPEN_UPLOADS_MAX:
        free_at = open_uploads[0] + storage.UPLOAD_URL_TTL
        raise TooManyRequests(
            f"{OPEN_UPLOADS_MAX} uploads are open already: post and add them, or wait until "
            "the oldest one expires.",
            retry_after=max(1, math.ceil((free_at - timezone.now()).total_seconds())),
            details={"open_uploads": OPEN_UPLOADS_MAX},
        )


def picture_upload_store(
    *, owner: Any, upload_id: uuid.UUID, prefix: str
) -> tuple[PictureUpload, StoredPicture]:
    """Stores the picture `owner` posted for `prefix` (picture_store: validated, re-encoded,
    bounded) and answers it with its upload, which the caller takes with picture_upload_take
    in the transaction that records the picture, or gives back with picture_upload_release
    should that fail.

    The upload must be the owner's, for this folder, not used yet nor claimed; it is
    claimed before its object is read, so of concurrent requests naming it one works on it
    and the others get a 404 at once. A claim older than a request lives (its process was
    stopped at its time limit, and never gave it back) is free again. Its object must be
    there and within PICTURE_UPLOAD_MAX_BYTES (checked here: S3 enforces the POST policy's
    size range, emulators may not). An object refused for what it is (too large, not a
    picture) can never be taken: it is deleted with its upload; any other failure gives the
    upload back for another try.
    """
    claimed = PictureUpload.objects.filter(
        _claimable(), pk=upload_id, owner=owner, prefix=prefix
    ).update(taken_at=timezone.now())
    if not claimed:
        raise PictureUploadNotFound()
    upload = PictureUpload.objects.get(pk=upload_id)
    max_bytes = settings.PICTURE_UPLOAD_MAX_BYTES
    try:
        found = storage.stat(key=upload.key)
        if found is not None and found.size > max_bytes:
            raise PictureTooLarge.over(max_bytes)
        # Read whole (it is bounded) and at once: a storage failure is a 503, not a
        # failure half-way through decoding. None: not posted, or deleted since.
        content = None if found is None else storage.read(key=upload.key, max_bytes=max_bytes)
        if content is None:
            raise UploadIncomplete(NOT_POSTED)
        stored = picture_store(upload=io.BytesIO(content), prefix=prefix)
    except PictureInvalid:
        _discard(upload)
        raise
    except BaseException:
        picture_upload_release(upload=upload)
        raise
    return upload, stored


def _claimable() -> Q:
    """Uploads not used, and not claimed by a request that may still be running."""
    abandoned = timezone.now() - storage.request_lifetime()
    return Q(used_at__isnull=True) & (Q(taken_at__isnull=True) | Q(taken_at__lt=abandoned))


def _own_claim(upload: PictureUpload) -> QuerySet[PictureUpload]:
    """The upload while this request's claim holds (not used, nor claimed by another since)."""
    return PictureUpload.objects.filter(pk=upload.pk, taken_at=upload.taken_at,
                                        used_at__isnull=True)


def picture_upload_take(*, upload: PictureUpload) -> None:
    """In the transaction that records the picture from `upload` (claimed by this request in
    picture_upload_store): once it commits, the object and the record are deleted. A claim
    lost meanwhile (this request outlived its time limit and another claimed the upload) is
    a 404: the picture is recorded once."""
    if not _own_claim(upload).update(used_at=timezone.now()):
        raise PictureUploadNotFound()
    transaction.on_commit(lambda: _discard(upload))


def picture_upload_release(*, upload: PictureUpload) -> None:
    """Gives a claimed upload back when its picture was not recorded: it may be tried again
    (an upload never given back, the process gone, is free again once its claim is older
    than a request lives, and goes with the purge)."""
    _own_claim(upload).update(taken_at=None)


def picture_upload_open(*, key: str) -> bool:
    """Whether an upload still awaits its object at `key` (the local stand-in asks)."""
    return PictureUpload.objects.filter(_claimable(), key=key).exists()


def picture_uploads_purge(*, older_than: dt.timedelta) -> int:
    """Deletes uploads made before `older_than` ago, taken or not, and their objects."""
    cutoff = timezone.now() - older_than
    stale = PictureUpload.objects.filter(created_at__lt=cutoff)
    return sum(_discard(upload) for upload in stale.iterator())


def _discard(upload: PictureUpload) -> bool:
    """Deletes the object, then the record; should storage fail, the record stays for the
    purge, so no object is left without one."""
    try:
        storage.delete(key=upload.key)
    except StorageUnavailable:
        logger.warning("picture upload %s kept: storage unavailable", upload.pk)
        return False
    PictureUpload.objects.filter(pk=upload.pk).delete()
    return True
