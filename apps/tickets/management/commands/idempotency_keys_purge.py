"""Deletes order Idempotency-Keys older than IDEMPOTENCY_KEY_TTL (run on a schedule)."""

from django.core.management.base import BaseCommand

from apps.tickets.services import idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete order idempotency keys past IDEMPOTENCY_KEY_TTL."

    def handle(self, *args, **options):
        deleted = idempotency_keys_purge()
        self.stdout.write(f"Deleted {deleted} expired idempotency keys.")
