"""Deletes picture uploads older than a day, taken or not, with their stored objects."""

from apps.core.management.purge import PurgeCommand
from apps.core.picture_uploads import picture_uploads_purge


class Command(PurgeCommand):
    help = "Delete picture uploads older than --hours (default 24), objects included."
    what = "picture upload(s)"
    purge = staticmethod(picture_uploads_purge)
