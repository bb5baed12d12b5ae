"""Deletes file uploads announced but never completed, their stored objects included."""

from apps.core.management.purge import PurgeCommand
from apps.files.services import file_purge_pending


class Command(PurgeCommand):
    help = "Delete pending file uploads older than --hours (default 24), objects included."
    what = "pending upload(s)"
    purge = staticmethod(file_purge_pending)
