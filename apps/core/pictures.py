"""Pictures (avatars, event pictures): validated, stripped of metadata, in the default storage.

Pictures reach the service around the function (apps.core.picture_uploads): up to
PICTURE_UPLOAD_MAX_BYTES as uploaded; what is stored is served through the function, so
it is at most PICTURE_MAX_BYTES once re-encoded.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from rest_framework import status

from apps.core.errors import ApplicationError

# Pillow format → (content type, file extension). Anything else is refused.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = {ext: content_type for content_type, ext in FORMATS.values()}
THUMBNAIL_SIZE = (320, 320)
# Pictures are stored at most this wide and high: what a page shows, and well inside
# Lambda's 6 MB response once encoded. It also bounds the work after decoding.
STORED_SIDE = 2048
# WebP decodes whole, through a buffer of its own: about 16 bytes of memory a pixel against
# 6 to 10 for PNG (bench/pictures.py), so it gets half the pixel budget.
PIXEL_COST = {"WEBP": 2}
QUALITY = 85
PREFIX_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*")


class PictureInvalid(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "invalid_picture"
    default_message = "The file is not a picture we accept."


class PictureTooLarge(PictureInvalid):
    """Larger than PICTURE_UPLOAD_MAX_BYTES as uploaded, or than PICTURE_MAX_BYTES (which
    keeps a picture inside Lambda's response limit) once re-encoded."""

    status_code, code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "payload_too_large"

    @classmethod
    def over(cls, max_bytes: int) -> PictureTooLarge:
        limit_mb = f"{max_bytes / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
        return cls(f"The picture is larger than {limit_mb} MB.", details={"max_bytes": max_bytes})


@dataclass(frozen=True)
class StoredPicture:
    name: str
    thumbnail_name: str
    width: int
    height: int
    content_type: str


def picture_storage() -> Storage:
    """The default storage of STORAGES: the file system on MEDIA_ROOT (EFS in AWS)."""
    return storages["default"]


def picture_store(*, upload: Any, prefix: str) -> StoredPicture:
    """Validate an uploaded picture, re-encode it without metadata, store it and a thumbnail.

    `upload` is a file-like object (an UploadedFile). `prefix` is a folder of the
    storage owned by one owner, e.g. `avatars/42` or `events/7`: names are derived
    from the content, so the same picture stored twice under one prefix is one file.
    On any failure nothing is left on disk.
    """
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"invalid picture prefix {prefix!r}")
    image, fmt = _load(upload)
    content_type, ext = FORMATS[fmt]
    body = _encode(image, fmt)
    if len(body) > settings.PICTURE_MAX_BYTES:
        # Re-encoding can grow a file; what is stored is served through the function too.
        raise PictureTooLarge("The picture is too large once re-encoded; send a smaller one.")
    thumbnail = image.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    thumbnail_body = _encode(thumbnail, fmt)

    name = f"{prefix}/{_digest(body)}.{ext}"
    thumbnail_name = f"{prefix}/{_digest(thumbnail_body)}.thumb.{ext}"
    _write_all(picture_storage(), {name: body, thumbnail_name: thumbnail_body})
    return StoredPicture(
        name=name,
        thumbnail_name=thumbnail_name,
        width=image.width,
        height=image.height,
        content_type=content_type,
    )


def picture_check(*, upload: Any) -> None:
    """Raise PictureInvalid unless picture_store would accept `upload`; nothing is stored.

    For forms that validate before the owner of the picture exists (an admin add page).
    """
    _load(upload)


def picture_delete(*, names: Iterable[str]) -> None:
    """Remove stored pictures; names already gone (or empty) are fine."""
    storage = picture_storage()
    for name in names:
        if name:
            storage.delete(name)


def picture_url(name: str) -> str:
    return picture_storage().url(name)


def _load(upload: Any):
    return _decode(_read_limited(upload, settings.PICTURE_UPLOAD_MAX_BYTES))


def _read_limited(upload: Any, max_bytes: int) -> bytes:
    too_large = PictureTooLarge.over(max_bytes)
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise too_large
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise PictureInvalid("The picture is empty.")
    return data


def _decode(data: bytes):
    """Pixels of an accepted picture, at most STORED_SIDE wide and high.

    The cost of decoding is bounded before any pixel is decoded: the header's size must
    be within PICTURE_MAX_PIXELS (half of it for WebP) and PICTURE_MAX_SIDE, and JPEGs are
    decoded at the smallest scale (1/2, 1/4, 1/8) that still covers the stored size.
    """
    from PIL import Image, ImageOps

    max_pixels, max_side = settings.PICTURE_MAX_PIXELS, settings.PICTURE_MAX_SIDE
    too_many_pixels = PictureInvalid(f"The picture has more than {max_pixels} pixels.")
    # Pillow refuses bombs at twice this and warns above it; the warning is made an error.
    # The process-wide limit is put back so other image code keeps its own.
    previous_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            fmt = image.format
            if image.width * image.height > max_pixels // PIXEL_COST.get(fmt, 1):
                raise PictureInvalid(
                    f"The picture has more than {max_pixels // PIXEL_COST.get(fmt, 1)} "
                    f"pixels{' (WebP)' if fmt == 'WEBP' else ''}.")
            if max(image.width, image.height) > max_side:
                raise PictureInvalid(f"The picture is wider or higher than {max_side} pixels.")
            if fmt == "JPEG":
                # The decoder scales by 1/2, 1/4 or 1/8 while keeping both sides at least
                # these, the size the stored picture will have.
                scale = min(STORED_SIDE / image.width, STORED_SIDE / image.height, 1)
                image.draft(None, (math.ceil(image.width * scale),
                                   math.ceil(image.height * scale)))
            image.load()
            # In place: without an orientation tag the returned copy would double the memory.
            ImageOps.exif_transpose(image, in_place=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except PictureInvalid:
        raise
    except Exception:
        # Pillow raises many types for corrupt input (OSError, SyntaxError, ValueError...).
        raise PictureInvalid("The file is not a JPEG, PNG or WebP picture.") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha and fmt != "JPEG" else "RGB"
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert(mode)  # palettes and 16-bit modes do not resample well
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    pixels = image.convert(mode)
    # Some encoders fall back to the source's info (ICC, text chunks) when saving.
    pixels.info = {}
    return pixels, fmt


def _encode(image, fmt: str) -> bytes:
    out = io.BytesIO()
    # A fresh save carries no EXIF, XMP, ICC or text chunks: only pixels leave this module.
    options = {"quality": QUALITY} if fmt in ("JPEG", "WEBP") else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _digest(body: bytes) -> str:
    # Keyed so that holding a picture does not reveal where it is stored.
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()[:32]


def _write_all(storage: Storage, files: dict[str, bytes]) -> None:
    created: list[str] = []
    try:
        for name, body in files.items():
            if storage.exists(name):
                continue
            saved = storage.save(name, ContentFile(body))
            if saved != name:
                # Another request stored the same content meanwhile: keep theirs.
                storage.delete(saved)
            else:
                created.append(saved)
    except BaseException:
        picture_delete(names=created)
        raise
