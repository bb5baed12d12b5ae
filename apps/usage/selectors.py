"""Usage reads: daily counts per endpoint group and key, flushed rows plus live counters."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils import timezone

from apps.usage.counters import REPORT_DAYS, CountersUnavailable, counters
from apps.usage.models import UsageDay

logger = logging.getLogger(__name__)

Counter = tuple[date, int | None, str]


def usage_report(*, user, date_from: date, date_to: date, license_key=None,
                 group: str | None = None) -> list[dict]:
    """Rows {day, group, license_key, count} of the account (or of one of its keys).

    The last REPORT_DAYS days also read the live counters, which hold each day's full
    totals, so today's requests show before usage_flush has run; per counter the larger of
    the two wins, which also covers counters lost to a cache restart.
    """
    rows = UsageDay.objects.filter(user=user, day__range=(date_from, date_to))
    if license_key is not None:
        rows = rows.filter(license_key=license_key)
    if group:
        rows = rows.filter(group=group)
    totals: dict[Counter, int] = {
        (day, key_id, name): count
        for day, key_id, name, count in rows.values_list("day", "license_key", "group", "count")
    }
    today = timezone.now().date()
    for back in range(REPORT_DAYS, -1, -1):
        day = today - timedelta(days=back)
        if not date_from <= day <= date_to:
            continue
        try:
            live = counters().day_totals(day=day, user_id=user.pk)
        except CountersUnavailable as exc:
            logger.warning("usage report without live counters from %s: %s", day, exc)
            break
        for (key_id, name), count in live.items():
            if license_key is not None and key_id != license_key.pk:
                continue
            if group and name != group:
                continue
            totals[(day, key_id, name)] = max(totals.get((day, key_id, name), 0), count)
    return [
        {"day": day, "group": name, "license_key": key_id, "count": count}
        for (day, key_id, name), count in sorted(
            totals.items(), key=lambda item: (item[0][0], item[0][2], item[0][1] or 0)
        )
    ]
