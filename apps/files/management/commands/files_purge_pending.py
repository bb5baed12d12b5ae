"""Deletes file uploads announced but never completed, their stored objects included."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.files.services import file_purge_pending


class Command(BaseCommand):
    help = "Delete pending file uploads older than --hours (default 24), objects included."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        if hours < 1:
            raise CommandError("--hours must be at least 1.")
        purged = file_purge_pending(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"Purged {purged} pending upload(s) older than {hours} h.")
