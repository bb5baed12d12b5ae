"""Reads of user files."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from apps.accounts.permissions import owned_or_all_for_staff
from apps.core.errors import NotFound
from apps.files.models import File


def file_list_for_owner(*, owner) -> QuerySet[File]:
    return File.objects.filter(owner=owner).order_by("-created_at", "id")


def file_get_visible(*, user, file_id: uuid.UUID) -> File:
    """The file if the user owns it or is staff; anyone else learns nothing (404)."""
    file = owned_or_all_for_staff(user, File.objects.all()).filter(pk=file_id).first()
    if file is None:
        raise NotFound("File not found.")
    return file
