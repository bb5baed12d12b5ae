"""Moves the hot usage counters from Redis into daily UsageDay rows (run on a schedule)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from apps.usage.counters import CountersUnavailable
from apps.usage.services import FLUSH_LEASE, usage_flush


class Command(BaseCommand):
    help = "Flush API usage counters from the cache to the database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lease-minutes", type=int, default=int(FLUSH_LEASE.total_seconds() // 60),
            help="Take over batches a failed flush left behind after this many minutes.",
        )

    def handle(self, *args, lease_minutes: int, **options):
        try:
            report = usage_flush(lease=timedelta(minutes=lease_minutes))
        except CountersUnavailable as exc:
            raise CommandError(f"usage counters unavailable: {exc}") from None
        self.stdout.write(
            f"Flushed {report.requests} requests in {report.counters} counters from "
            f"{report.batches} batches ({report.replayed} already applied)."
        )
