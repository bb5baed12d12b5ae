"""Reads of user files."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.files.models import File


def file_list_for_owner(*, owner) -> QuerySet[File]:
    return File.objects.filter(owner=owner).order_by("-created_at", "id")


def file_get_owned(*, owner, file_id: uuid.UUID) -> File:
    """The file if it is the caller's: files are private, so anyone else, staff and admins
    included, learns nothing (404). Operators reach files through the Django admin."""
    file = File.objects.filter(owner=owner, pk=file_id).first()
    if file is None:
        raise NotFound("File not found.")
    return file
