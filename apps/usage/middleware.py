"""Counts the authenticated /api/v1 requests that never reached the quota check (403s...)."""

from __future__ import annotations

from rest_framework import status

from apps.usage.metering import meter_once
from apps.usage.services import usage_record


class UsageMeteringMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # `auth` is set on the request only once DRF has authenticated it.
        # A rate limit's 429 is neither metered nor billed (a quota's was counted already).
        if (not hasattr(request, "auth")
                or response.status_code == status.HTTP_429_TOO_MANY_REQUESTS):
            return response
        metering = meter_once(request, request.user, request.auth)
        if metering is not None:
            usage_record(subject=metering.subject, group=metering.group)
        return response
