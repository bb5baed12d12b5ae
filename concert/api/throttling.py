"""Request rate limits: per license key and per account across its keys, per account, per
client address when anonymous, and failed authentications per client address."""

from __future__ import annotations

import functools
import ipaddress
import logging
import math

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

CALLERS = {
    "key": "this license key",
    "partner": "this account's license keys",
    "user": "this account",
    "anon": "this address",
    "auth_failure": "this address with failed authentications",
    "picture": "this account's picture uploads",
}
PERIODS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
COUNTED = "_rate_counted"  # on the Django request: {counter key: count} counted before DRF


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
    return _counted_as(source) if isinstance(source, str) else "unknown"


@functools.lru_cache(maxsize=4096)  # parsing costs more than the rest of the count
def _counted_as(source: str) -> str:
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return "unknown"
    if address.version == 6:  # the /64's first address: still an IP address, one per block
        return str(ipaddress.ip_network((address, 64), strict=False).network_address)
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

    def buckets(self, request) -> list[tuple[str, object]]:
        """(scope, identity) of each counter the request counts against, in check order.

        A key's request counts against the key and against its owner's keys together, so
        making more keys does not make more requests; the owner's own (JWT) requests have
        their own account rate, out of reach of a runaway partner integration.
        """
        own_buckets = getattr(request.auth, "throttle_buckets", None)  # a license key's
        if own_buckets is not None:
            return own_buckets()
        if request.user.is_authenticated:
            return [("user", request.user.pk)]
        return [("anon", self.get_ident(request))]

    def allow_request(self, request, view) -> bool:
        # A view's cache reads for this request (its `cache_rider`) travel with the first
        # count, in the same round trip to Redis.
        plan = getattr(view, "cache_rider", None)
        rider = plan(request) if plan is not None else None
        counted = getattr(request._request, COUNTED, {})
        for scope, ident in self.buckets(request):
            if not self._choose(scope):
                continue
            now, window, key = self._window(ident)
            count = counted[key] if key in counted else self.count(key, rider=rider)
            rider = None
            if count is not None and count > self.num_requests:
                self.refuse(request, now, window)
        return True

    def admit_anonymous(self, request, rider) -> bool:
        """Counts an anonymous request before DRF runs (a shared page answered at once), with
        the rider's reads in the same round trip; whether it is within its rate. The count
        stays on the request, so should DRF's path serve it after all, `allow_request` reads
        it there instead of counting the request twice."""
        if not self._choose("anon"):
            return True
        _, _, key = self._window(self.get_ident(request))
        count = self.count(key, rider=rider)
        setattr(request, COUNTED, {key: count})
        return count is None or count <= self.num_requests

    def _choose(self, scope: str) -> bool:
        """Takes `scope`'s rate; False when it has none (no limit)."""
        self.scope = scope
        self.rate = self.get_rate()
        if self.rate is None:
            return False
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True

    def _window(self, ident) -> tuple[float, int, str]:
        """(now, the window's number, the counter's key) for `ident` under the chosen rate."""
        now = self.timer()
        window = int(now // self.duration)
        return now, window, f"{self.cache_format % {'scope': self.scope, 'ident': ident}}:{window}"

    def refuse(self, request, now: float, window: int):
        self.retry_after = max(math.ceil((window + 1) * self.duration - now), 1)
        # Raised rather than returned: DRF would still run the quota throttle, which meters.
        # A 429 of these limits is not metered either (UsageMeteringMiddleware).
        raise exceptions.Throttled(
            self.retry_after,
            detail=f"Too many requests from {CALLERS[self.scope]}: the limit is "
                   f"{self.num_requests} per {PERIODS[self.duration]}.",
        )

    def wait(self) -> int | None:
        return self.retry_after

    def count(self, key: str, rider=None) -> int | None:
        """This request's number in its window; None when the cache did not answer.

        `rider`: reads to make in the same round trip (`cache_keys()`, then `accept(values)`); it
        stays unanswered when the cache is not Redis or did not answer.
        """
        try:
            count = self._increment(key) if rider is None else self._increment_with(key, rider)
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

    def _increment_with(self, key: str, rider) -> int | None:
        """The counter's INCR and EXPIRE NX (its first increment sets the expiry) and the
        rider's GETs, pipelined: single-key commands, as valid on ElastiCache Serverless
        (cluster mode, keys in different slots) as when sent one by one."""
        client = getattr(self.cache, "client", None)
        if not hasattr(client, "get_client"):  # not django-redis: the local-memory cache
            return self._increment(key)
        counter = client.make_key(key)
        pipe = client.get_client(write=True).pipeline(transaction=False)
        pipe.incr(counter)
        pipe.expire(counter, self.duration + 5, nx=True)
        for name in rider.cache_keys():
            pipe.get(client.make_key(name))
        count, _, *values = pipe.execute()
        rider.accept([None if value is None else client.decode(value) for value in values])
        return count


class PictureUploadThrottle(RequestRateThrottle):
    """Picture uploads per account, on views that set `uploads_pictures`: decoding a picture
    costs far more than any other request, so one account cannot keep the workers busy."""

    def buckets(self, request) -> list[tuple[str, object]]:
        return [("picture", request.user.pk)]

    def allow_request(self, request, view) -> bool:
        if not getattr(view, "uploads_pictures", False) or request.method not in ("POST", "PUT"):
            return True
        return super().allow_request(request, view)


class FailedAuthenticationThrottle(RequestRateThrottle):
    """Failed authentications per client address: past the rate, a request from that address
    that carries credentials is refused before they are checked, until the window ends.

    Checked first (by FailedAuthenticationGate) and counted when authentication fails (by
    the exception handler), so guessing keys or replaying bad tokens costs the guesser a
    429, not the service a verification. Requests without credentials are not affected.
    """

    scope = "auth_failure"

    def _counter(self, request) -> str | None:
        if not self._choose(self.scope):
            return None
        self.now, self.window, key = self._window(self.get_ident(request))
        return key

    def allow_request(self, request, view) -> bool:
        counter = self._counter(request)
        if counter is None:
            return True
        try:
            failures = self.cache.get(counter)
        except RedisError as exc:
            logger.warning("failed-authentication limit not checked for %s: %s", counter, exc)
            return True
        if failures is not None and failures >= self.num_requests:
            self.refuse(request, self.now, self.window)
        return True

    def record(self, request) -> None:
        counter = self._counter(request)
        if counter is not None:
            self.count(counter)


def has_credentials(request) -> bool:
    return "HTTP_AUTHORIZATION" in request.META or "HTTP_X_API_KEY" in request.META


def carries_identity(request) -> bool:
    """Whether anything an authentication class reads came with the request: credentials,
    or an API Gateway authorizer's verdict. Without any, every one of them answers None
    (tests/core/test_shared_pages.py holds them to it) and the caller is anonymous."""
    context = request.META.get("apig_wsgi.request_context") or {}
    # DRF's Request also takes a user forced on the Django request (its test client's
    # force_authenticate): an identity too.
    forced = getattr(request, "_force_auth_user", None) or getattr(request, "_force_auth_token",
                                                                   None)
    return has_credentials(request) or bool(context.get("authorizer")) or forced is not None
