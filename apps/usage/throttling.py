"""The quota check: counts each /api/v1 request once and refuses it past the plan's quota."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from apps.licensing.selectors import PlanLimits, plan_limits_for_key, plan_limits_for_user
from apps.usage.errors import QuotaExceeded
from apps.usage.metering import meter_once
from apps.usage.services import usage_quota_release, usage_record

# Reading one's own usage is never refused by the quota (it is how a partner sees why the
# other calls are), nor counted against it once the quota is used; the rate limits apply.
QUOTA_EXEMPT_GROUPS = frozenset({"usage"})


def seconds_to_midnight(now: datetime) -> int:
    midnight = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    return max(math.ceil((midnight - now).total_seconds()), 1)


def quota_message(limits: PlanLimits, group: str, total: int, group_total: int) -> str | None:
    if limits.daily_quota is not None and total > limits.daily_quota:
        return (f"The daily quota of {limits.daily_quota} requests of plan "
                f"'{limits.name}' is used up; it resets at 00:00 UTC.")
    group_quota = limits.group_quotas.get(group)
    if group_quota is not None and group_total > group_quota:
        return (f"The daily quota of {group_quota} '{group}' requests of plan "
                f"'{limits.name}' is used up; it resets at 00:00 UTC.")
    return None


class UsageQuotaThrottle(BaseThrottle):
    """Runs after authentication and permissions; UsageMeteringMiddleware counts the rest."""

    def allow_request(self, request, view) -> bool:
        metering = meter_once(request._request, request.user, request.auth)
        if metering is None:
            return True
        subject, group = metering.subject, metering.group
        now = timezone.now()
        counts = usage_record(subject=subject, group=group, now=now)
        if counts is None:
            return True
        limits = (plan_limits_for_key(key=subject.key) if subject.key is not None
                  else plan_limits_for_user(user_id=subject.user_id))
        message = quota_message(limits, group, *counts)
        if message is None:
            return True
        usage_quota_release(subject=subject, group=group, now=now)
        if group in QUOTA_EXEMPT_GROUPS:
            return True
        raise QuotaExceeded(message, retry_after=seconds_to_midnight(now))
