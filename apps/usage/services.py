"""Usage writes: count a request in the hot counters, flush the counters to the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.db import retry_on_lock_conflict
from apps.licensing.models import LicenseKey
from apps.usage.counters import RETENTION_DAYS, CountersUnavailable, counters, parse_field
from apps.usage.metering import Subject
from apps.usage.models import UsageDay, UsageFlush

logger = logging.getLogger(__name__)

FLUSH_LEASE = timedelta(minutes=10)
LEDGER_DAYS = 30


def usage_record(*, subject: Subject, group: str, now: datetime | None = None
                 ) -> tuple[int, int] | None:
    """Counts one request; returns the quota bucket's (day total, group total) so far.

    None when the counters are unreachable: the request is served and the loss is logged.
    After a failure the cache's circuit breaker (concert.cache) makes the next attempts fail
    at once, so an outage costs requests no wait.
    """
    day = (now or timezone.now()).date()
    try:
        return counters().record(day=day, user_id=subject.user_id, key_id=subject.key_id,
                                 group=group, bucket=subject.bucket)
    except CountersUnavailable as exc:
        _log_lost(subject, group, str(exc))
        return None


def usage_quota_release(*, subject: Subject, group: str, now: datetime) -> None:
    """A request the quota refused counts against it no more (it stays metered: the
    report shows the calls made)."""
    try:
        counters().quota_release(day=now.date(), bucket=subject.bucket, group=group)
    except CountersUnavailable as exc:
        _log_lost(subject, group, f"quota not released: {exc}")


def _log_lost(subject: Subject, group: str, reason: str) -> None:
    logger.warning(
        "usage not metered: user=%s key=%s group=%s (%s)",
        subject.user_id, subject.key_id, group, reason,
        extra={"usage_user": subject.user_id, "usage_key": subject.key_id, "usage_group": group},
    )


@dataclass
class FlushReport:
    batches: int = 0
    counters: int = 0
    requests: int = 0
    replayed: int = 0


def usage_flush(*, now: datetime | None = None, lease: timedelta = FLUSH_LEASE) -> FlushReport:
    """Moves the hot counters of the last RETENTION_DAYS days into UsageDay rows.

    Safe to run concurrently and to re-run after a crash: each batch of counters is taken
    from Redis atomically, and applied under a ledger token inside one transaction.
    """
    now = now or timezone.now()
    store, report = counters(), FlushReport()
    for back in range(RETENTION_DAYS, -1, -1):
        day = now.date() - timedelta(days=back)
        tokens = store.claim_stale_batches(day=day, older_than=(now - lease).timestamp(),
                                           now=now.timestamp())
        fresh = store.open_batch(day=day, now=now.timestamp())
        for token in [*tokens, *([fresh] if fresh else [])]:
            _apply_batch(store, day, token, report)
    UsageFlush.objects.filter(created_at__lt=now - timedelta(days=LEDGER_DAYS)).delete()
    return report


def _apply_batch(store, day: date, token: str, report: FlushReport) -> None:
    rows: dict[tuple[int, int | None, str], int] = {}
    for field, count in store.read_batch(day=day, token=token).items():
        rows[parse_field(field)] = rows.get(parse_field(field), 0) + count
    applied = _apply_rows(day, token, rows)
    store.close_batch(day=day, token=token)
    report.batches += 1
    if applied:
        report.counters += len(rows)
        report.requests += sum(rows.values())
    else:
        report.replayed += 1


@retry_on_lock_conflict()
@transaction.atomic
def _apply_rows(day: date, token: str, rows: dict[tuple[int, int | None, str], int]) -> bool:
    _, created = UsageFlush.objects.get_or_create(
        token=token,
        defaults={"day": day, "counters": len(rows), "requests": sum(rows.values())},
    )
    if not created:
        return False  # applied before the flush that opened it died
    users = set(get_user_model().objects.filter(pk__in={u for u, _, _ in rows})
                .values_list("pk", flat=True))
    keys = set(LicenseKey.objects.filter(pk__in={k for _, k, _ in rows if k})
               .values_list("pk", flat=True))
    # A fixed order keeps concurrent flushes from locking the same rows in opposite orders.
    ordered = sorted(rows.items(), key=lambda row: (row[0][0], row[0][1] or 0, row[0][2]))
    for (user_id, key_id, group), count in ordered:
        if user_id not in users or (key_id and key_id not in keys):
            logger.info("usage flush: %s requests of a deleted account or key dropped", count)
            continue
        _increment(day, user_id, key_id, group, count)
    return True


def _increment(day: date, user_id: int, key_id: int | None, group: str, count: int) -> None:
    match = UsageDay.objects.filter(day=day, user_id=user_id, key_ref=key_id or 0, group=group)
    if match.update(count=F("count") + count):
        return
    try:
        with transaction.atomic():
            UsageDay.objects.create(day=day, user_id=user_id, license_key_id=key_id,
                                    group=group, count=count)
    except IntegrityError:
        match.update(count=F("count") + count)
