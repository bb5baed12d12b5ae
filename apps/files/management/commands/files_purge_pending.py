"""Deletes file uploads announced but never completed, their stored objects included, and
the stray objects nothing can write any more (deleted files' uploads, unrecorded copies)."""

from apps.core.management.purge import PurgeCommand
from apps.files.services import file_purge_pending, strays_delete


class Command(PurgeCommand):
    help = ("Delete pending file uploads older than --hours (default 24), objects included, "
            "and the stray objects nothing can write any more.")
    what = "pending upload(s)"
    purge = staticmethod(file_purge_pending)

    def handle(self, *args, **options):
        super().handle(*args, **options)
        self.stdout.write(f"Purged {strays_delete()} stray object(s).")
