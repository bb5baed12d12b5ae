"""Counts the authenticated /api/v1 requests that never reached the quota check (403s...)."""

from __future__ import annotations

from rest_framework import status

from apps.usage.metering import COUNTED, endpoint_group, subject_of
from apps.usage.services import usage_record


class UsageMeteringMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # `auth` is set on the request only once DRF has authenticated it.
        # A rate limit's 429 is neither metered nor billed (a quota's was counted already).
        if (not hasattr(request, "auth") or getattr(request, COUNTED, False)
                or response.status_code == status.HTTP_429_TOO_MANY_REQUESTS):
            return response
        group = endpoint_group(request.path_info)
        subject = subject_of(request.user, request.auth)
        if group is not None and subject is not None:
            setattr(request, COUNTED, True)
            usage_record(subject=subject, group=group)
        return response
