"""Usage errors: a plan's daily quota is used up (429 with Retry-After)."""

from __future__ import annotations

from apps.core.errors import TooManyRequests


class QuotaExceeded(TooManyRequests):
    code = "quota_exceeded"
