"""Shapes several apps share: a presigned POST form, and picture uploads (avatars, event
pictures) asked for and then named."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from apps.core.pictures import CONTENT_TYPES
from apps.core.storage import PresignedUpload
from concert.api import fields


class PresignedPostSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="POST a multipart form here: `fields`, then `file`.")
    fields = serializers.DictField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()


def presigned_post(request, form: PresignedUpload) -> dict[str, Any]:
    """The form with an absolute URL (the local stand-in's is a path of this service)."""
    return {**form._asdict(), "url": request.build_absolute_uri(form.url)}


class PictureUploadCreateSerializer(serializers.Serializer):
    content_type = serializers.ChoiceField(
        choices=sorted(CONTENT_TYPES.values()),
        help_text="The picture's type; the upload must be sent with it.",
    )


class PictureUploadSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Name it as `upload` once the file is posted.")
    content_type = fields.CharField()
    max_bytes = serializers.IntegerField(help_text="The largest picture the upload takes.")
    upload = PresignedPostSerializer()


def picture_upload_data(request, upload, form: PresignedUpload) -> dict[str, Any]:
    return PictureUploadSerializer({
        "id": upload.pk, "content_type": upload.content_type,
        "max_bytes": settings.PICTURE_UPLOAD_MAX_BYTES, "upload": presigned_post(request, form),
    }).data


class PictureFromUploadSerializer(serializers.Serializer):
    upload = fields.UUIDField(
        help_text="The `id` of a picture upload the caller asked for here and then posted "
                  "the picture to; an upload serves once.",
    )


# What taking a picture upload may answer besides the caller's own refusals.
PICTURE_FROM_UPLOAD_ERRORS = {
    400: "The upload is not a JPEG, PNG or WebP picture, or has too many pixels "
         "(`invalid_picture`); it is deleted.",
    404: "No upload of the caller's for this picture has this id, or it was used already "
         "(`upload_not_found`).",
    409: "Nothing was posted to the upload yet (`upload_incomplete`).",
    413: "The upload is larger than its `max_bytes`, or the picture once re-encoded larger "
         "than the service serves (`payload_too_large`); it is deleted.",
}


OPEN_UPLOADS_NOTE = (" An account holds at most five open uploads (not added yet, their POST not "
                     "expired); a sixth is refused with 429 until the oldest one expires.")
OPEN_UPLOADS_429 = ("Five uploads are open already (`throttled`); Retry-After says when the "
                    "oldest one expires.")
