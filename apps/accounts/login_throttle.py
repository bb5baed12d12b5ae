"""The Django admin's sign-in throttle: failed sign-ins counted per client address.

django-ratelimit counts them in the default cache (Redis), in the window ADMIN_LOGIN_RATE
sets ("5/15m": five failures per fifteen minutes); an address that has used them up gets a
429 for every sign-in until its window ends, the right password included. The address is
the one the API's rate limits use (API Gateway's source IP, never a client header). Only
this view imports the library, so nothing of it loads on API requests. With the cache
unreachable the sign-in is not throttled (as the API's rate limits are not): the password
hash is the brake then.
"""

from __future__ import annotations

from django.conf import settings

GROUP = "admin-login"


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

    current = usage(increment=False)
    if current is not None and current["count"] >= current["limit"]:
        return _locked(max(current["time_left"], 1))
    response = admin.site.login(request, extra_context)
    if request.method == "POST" and response.status_code == 200:
        usage(increment=True)
    return response


def _locked(seconds: int):
    from concert.api.errors import error_response

    response = error_response(
        429, "login_locked",
        "Too many failed sign-ins from this address; try again when Retry-After says.",
    )
    response["Retry-After"] = str(seconds)
    return response
