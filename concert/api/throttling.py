"""Request rate limit per license key, per account, or per client address when anonymous."""

from __future__ import annotations

import ipaddress
import logging
import math

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from apps.licensing.models import LicenseKey
from apps.usage.metering import metering_skip

logger = logging.getLogger(__name__)

CALLERS = {"key": "this license key", "user": "this account", "anon": "this address"}
PERIODS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


def client_address(request) -> str:
    """The caller's IP as API Gateway saw it, else the socket's peer; never a client header.

    apig-wsgi takes REMOTE_ADDR from the first X-Forwarded-For entry on REST API (payload
    1.0) events, which the client writes, so the request context's source IP comes first.
    IPv6 callers count per /64, the block a single subscriber is usually given.
    """
    context = request.META.get("apig_wsgi.request_context") or {}
    source = ((context.get("http") or {}).get("sourceIp")
              or (context.get("identity") or {}).get("sourceIp")
              or request.META.get("REMOTE_ADDR", ""))
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network((address, 64), strict=False))
    return str(address)


class RequestRateThrottle(SimpleRateThrottle):
    """A fixed-window counter in the default cache: one atomic increment per request.

    DRF's own throttles read a timestamp list, edit it and write it back, so concurrent
    requests race and let more through than the rate; here Redis (or the local-memory
    cache's lock) does the counting. A window admits its rate, so a burst straddling two
    windows may see up to twice that. Rates come from settings.THROTTLE_RATES; with the
    cache unreachable requests are let through, never refused or failed.
    """

    cache_format = "throttle:%(scope)s:%(ident)s"

    def __init__(self):
        # The scope, and so the rate, depends on the caller: it is chosen per request.
        self.retry_after: int | None = None

    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        return client_address(request)

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, LicenseKey):
            self.scope, ident = "key", request.auth.pk
        elif request.user.is_authenticated:
            self.scope, ident = "user", request.user.pk
        else:
            self.scope, ident = "anon", self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        key = self.get_cache_key(request, view)
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = self.timer()
        window = int(now // self.duration)
        count = self.count(f"{key}:{window}")
        if count is None or count <= self.num_requests:
            return True
        self.retry_after = max(math.ceil((window + 1) * self.duration - now), 1)
        metering_skip(request._request)
        # Raised rather than returned: DRF would still run the quota throttle, which meters.
        raise exceptions.Throttled(
            self.retry_after,
            detail=f"Too many requests from {CALLERS[self.scope]}: the limit is "
                   f"{self.num_requests} per {PERIODS[self.duration]}.",
        )

    def wait(self) -> int | None:
        return self.retry_after

    def count(self, key: str) -> int | None:
        """This request's number in its window; None when the cache did not answer."""
        try:
            count = self._increment(key)
        except RedisError as exc:  # django-redis raises when DJANGO_REDIS_IGNORE_EXCEPTIONS is off
            logger.warning("rate limit not checked for %s: %s", key, exc)
            return None
        if count is None:  # and answers None when it is on
            logger.warning("rate limit not checked for %s: the cache did not answer", key)
        return count

    def _increment(self, key: str) -> int | None:
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request
            # Made to outlive its window, the key can't expire between these calls.
            if self.cache.add(key, 1, self.duration + 5):
                return 1
            return self.cache.incr(key)  # another request made it first
