"""HTTP pieces views and middleware share: conditional requests, the declared body size."""

from __future__ import annotations

from django.utils.http import parse_etags


def if_none_match(request, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` or `*`, compared weakly as GET and
    HEAD compare it (RFC 9110, 13.1.2)."""
    tags = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    return "*" in tags or etag.removeprefix("W/") in tags


class LengthRequired(Exception):
    """A body sent without Content-Length (Transfer-Encoding: chunked)."""


def content_length(request) -> int:
    """The body size the request declares (0 without one); ValueError unless it is digits.

    A chunked body (Transfer-Encoding without Content-Length) raises LengthRequired: WSGI
    reads a request's body up to its Content-Length, so it would be read as empty and the
    request answered as if it had none. API Gateway always sends the length.
    """
    value = request.META.get("CONTENT_LENGTH") or ""
    if not value and request.META.get("HTTP_TRANSFER_ENCODING"):
        raise LengthRequired
    value = value or "0"
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"Content-Length {value!r} is not a number")
    return int(value)
