"""Usage errors: a plan's daily quota is used up (429 with Retry-After)."""

from __future__ import annotations

from rest_framework import exceptions


class QuotaExceeded(exceptions.Throttled):
    default_code = "quota_exceeded"

    def __init__(self, message: str, wait: int):
        # Throttled's own __init__ would append "Expected available in N seconds." to it.
        exceptions.APIException.__init__(self, detail=message, code=self.default_code)
        self.wait = wait
