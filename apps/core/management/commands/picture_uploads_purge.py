"""Deletes picture uploads older than a day, taken or not, with their stored objects."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.core.picture_uploads import picture_uploads_purge


class Command(BaseCommand):
    help = "Delete picture uploads older than --hours (default 24), objects included."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        if hours < 1:
            raise CommandError("--hours must be at least 1.")
        purged = picture_uploads_purge(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"Purged {purged} picture upload(s) older than {hours} h.")
