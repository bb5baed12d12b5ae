"""The abstract base model every domain model extends, fields several apps share, and
picture uploads (avatars and event pictures, see apps.core.pictures)."""

import uuid

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class ExactCharField(models.CharField):
    """Text compared byte for byte: codes, keys, secrets' public parts.

    MySQL compares with the column's collation, by default case- and accent-insensitive, so
    a ticket code with its case swapped would find the ticket; here the column takes the
    binary collation. SQLite compares bytes already (its BINARY default), so it keeps it.
    """

    BINARY_COLLATIONS = {"mysql": "utf8mb4_bin"}

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        collation = self.BINARY_COLLATIONS.get(connection.vendor)
        if collation:
            params["collation"] = collation
        return params


class PictureUpload(models.Model):
    """A picture on its way in: handed out as a presigned POST to `key` (the files storage),
    taken into a picture once by its owner, for the picture folder (`prefix`) it was asked
    for. Records and their objects left behind are purged (picture_uploads_purge)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The record goes with its owner; the object, if any, expires under the bucket's
    # lifecycle rule (uploads/), as every abandoned upload does.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    prefix = models.CharField(max_length=100)  # the picture's folder: avatars/7, events/12
    key = models.CharField(max_length=300, unique=True)
    content_type = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a request claims the upload to make its picture (given back should that
    # fail, free again once the request has outlived its time limit: its process is gone).
    taken_at = models.DateTimeField(null=True, blank=True)
    # Set in the transaction that records the picture, by the request whose claim it is:
    # the upload has served, and its object and record are deleted once that commits (or
    # by the purge, should that fail).
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="core_pictureupload_created")]

    def __str__(self) -> str:
        return self.key
