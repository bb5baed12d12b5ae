"""User files: metadata of objects kept in the files storage (S3 or a local folder)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel
from apps.core.text import validate_file_name


class File(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending upload"
        UPLOADED = "uploaded", "Uploaded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # PROTECT: a user's records go through file_delete first, so no object outlives its record.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="files"
    )
    name = models.CharField(max_length=255, validators=[validate_file_name])
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(help_text="Declared size in bytes, checked on upload.")
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="Declared SHA-256 (hex), checked on upload."
    )
    # One key, wherever the object is now: files uploaded before uploads had a prefix of
    # their own are under files/ already and keep theirs.
    key = models.CharField(
        max_length=300, unique=True, editable=False,
        help_text="Where the object is: its upload while pending (uploads/files/...), its copy "
                  "under files/ once uploaded.",
    )
    # Its form writes here until it expires (UPLOAD_URL_TTL after created_at), whatever
    # became of the file meanwhile. Empty on rows from before it was recorded, whose form
    # wrote at `key` while they were pending.
    upload_key = models.CharField(
        max_length=300, blank=True, db_default="", editable=False,
        help_text="The key its upload form writes (uploads/files/...), until the form expires.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="files_owner_created"),
            models.Index(fields=["status", "created_at"], name="files_status_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="files_file_size_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(status="pending", uploaded_at__isnull=True)
                    | models.Q(status="uploaded", uploaded_at__isnull=False)
                ),
                name="files_file_uploaded_at_matches_status",
            ),
            # An uploaded file is never where a presigned form may still write.
            models.CheckConstraint(
                condition=models.Q(status="pending") | ~models.Q(key__startswith="uploads/"),
                name="files_file_uploaded_key_not_an_upload",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StrayObject(models.Model):
    """An object of the files storage that no file names, tracked until it is deleted: a
    copy `complete` is making (recorded, and committed, before the copy begins; it becomes
    the file's once checked), or the upload of a file deleted while its form could still
    write it. Once nothing can write the key any more (`writable_until`), the object is
    deleted for good and then the record (files_purge_pending, or the owner's next
    announcement or complete)."""

    class Kind(models.TextChoices):
        COPY = "copy", "Copy being made"
        UPLOAD = "upload", "Upload of a deleted file"

    # Kept when the account goes: the object is still there to delete.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=300, unique=True)
    size = models.PositiveBigIntegerField(
        help_text="Bytes its writer may put there; an upload's count against its owner's "
                  "quota until it is deleted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    writable_until = models.DateTimeField(
        help_text="When nothing can write the key any more: the upload's form has expired, "
                  "or the request making the copy has ended.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["owner", "writable_until"], name="files_stray_owner_until"),
            models.Index(fields=["writable_until"], name="files_stray_until"),
        ]

    def __str__(self) -> str:
        return self.key
