"""The Django admin's sign-in throttle: failed sign-ins counted per client address.

django-ratelimit counts them in the strict cache (Redis, its errors raised), in the window
ADMIN_LOGIN_RATE sets ("5/15m": five failures per fifteen minutes); an address that has used
them up gets a 429 for every sign-in until its window ends, the right password included.
The address is the one the API's rate limits use (API Gateway's source IP, never a client
header). Only this view imports the library, so nothing of it loads on API requests.

Unlike the API's rate limits, the sign-in fails closed: when the counter can't be read
(Redis down, hung, or skipped by the circuit breaker) the attempt is refused with a 503
before the password is checked, and a failure that can't be counted is answered 503 too.
Otherwise an outage would open the admin to unlimited password guessing.
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger(__name__)

GROUP = "admin-login"
UNAVAILABLE_RETRY_SECONDS = 30


def _address(group: str, request) -> str:
    from concert.api.throttling import client_address

    return client_address(request)


def admin_login(request, extra_context=None):
    """admin.site.login, refused while the caller's address is locked out; a sign-in that
    fails (the form comes back) counts against it."""
    from django.contrib import admin
    from django_ratelimit.core import get_usage

    def usage(*, increment: bool):
        return get_usage(request, group=GROUP, key=_address, rate=settings.ADMIN_LOGIN_RATE,
                         method="POST", increment=increment)

    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import RedisError

    try:
        current = usage(increment=False)
    except (RedisError, ConnectionInterrupted):
        return _unavailable(request, "read")
    if current is not None and _uncounted(current):
        return _unavailable(request, "read")
    if current is not None and current["count"] >= current["limit"]:
        return _locked(max(current["time_left"], 1))
    response = admin.site.login(request, extra_context)
    if request.method == "POST" and response.status_code == 200:
        try:
            counted = usage(increment=True)
        except (RedisError, ConnectionInterrupted):
            counted = None
        if counted is None or _uncounted(counted):
            return _unavailable(request, "counted")
    return response


def _uncounted(usage: dict) -> bool:
    # The strict cache raises on a failure; a cache that answers None instead gets, with
    # RATELIMIT_FAIL_OPEN off, a limit of 0, which no ADMIN_LOGIN_RATE has (1 or more).
    return usage["limit"] == 0


def _unavailable(request, step: str):
    from concert.api.errors import error_response
    from concert.api.throttling import client_address

    logger.warning("admin sign-in from %s refused: its failed sign-ins could not be %s (cache "
                   "unavailable)", client_address(request), step)
    response = error_response(
        503, "login_unavailable",
        "Sign-in is unavailable for a moment (its attempts can't be counted); try again "
        "when Retry-After says.",
    )
    response["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
    return response


def _locked(seconds: int):
    from concert.api.errors import error_response

    response = error_response(
        429, "login_locked",
        "Too many failed sign-ins from this address; try again when Retry-After says.",
    )
    response["Retry-After"] = str(seconds)
    return response
