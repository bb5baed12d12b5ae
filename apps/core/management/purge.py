"""The purge commands' shape: delete what is older than --hours (default 24) and say how many."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError


class PurgeCommand(BaseCommand):
    """Subclasses name what they purge (`what`) and the service that does it (`purge`)."""

    what = ""  # how the output names what was purged, e.g. "pending upload(s)"
    purge: Callable[..., int]  # staticmethod(service): purge(older_than=timedelta) -> count

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        if hours < 1:
            raise CommandError("--hours must be at least 1.")
        purged = self.purge(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"Purged {purged} {self.what} older than {hours} h.")
