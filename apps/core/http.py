"""HTTP pieces views and middleware share: conditional requests, the declared body size."""

from __future__ import annotations

from django.utils.http import parse_etags


def if_none_match(request, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` or `*`, compared weakly as GET and
    HEAD compare it (RFC 9110, 13.1.2)."""
    tags = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    return "*" in tags or etag.removeprefix("W/") in tags


def content_length(request) -> int:
    """The body size the request declares (0 without one); ValueError unless it is digits."""
    value = request.META.get("CONTENT_LENGTH") or "0"
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"Content-Length {value!r} is not a number")
    return int(value)
