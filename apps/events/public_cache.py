"""Shared-cache, ETag and Cache-Control handling of catalogue reads.

Anonymous reads are the same for every caller, so their rendered bodies live in the shared
cache, keyed on the path and the full (sorted) query string under a generation number.
Every catalogue write bumps the generation after its transaction commits, which retires all
cached pages at once without scanning keys.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from rest_framework.renderers import JSONRenderer

GENERATION_KEY = "catalogue:generation"
PAGE_TTL = 300
PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
PRIVATE_CACHE_CONTROL = "private, no-store"
CACHE_NOTE = (
    " Anonymous reads are shared-cached and sent with `Cache-Control: public`; every response "
    "has an `ETag` (send it back in `If-None-Match` for a 304)."
)


def _generation() -> int | None:
    """The current generation, None when the cache cannot be reached."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A clock-based start: should Redis evict or lose the counter, the new generation is
        # still above every earlier one, so pages cached before the loss are never served.
        start = time.time_ns() // 1000
        generation = start if cache.add(GENERATION_KEY, start, timeout=None) else cache.get(
            GENERATION_KEY
        )
    return generation


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None)


def invalidate() -> None:
    """Retire every cached catalogue page once the current transaction commits.

    Bumping before the commit would let a concurrent read cache the old rows under the new
    generation; after the commit such a read can only store them under the retired one.
    """
    transaction.on_commit(_bump)


def _page_key(request) -> str | None:
    generation = _generation()
    if generation is None:
        return None
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    # The host is part of the key: pagination links in the body are absolute URLs.
    url = f"{request.get_host()}{request.path}?{query}"
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"catalogue:page:{generation}:{digest}"


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(header: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def read_response(request, build: Callable[[], Any]) -> HttpResponse:
    """Renders `build()` as JSON: cached for anonymous callers, with an ETag for everyone.

    Signed-in users and partner keys (which act as their owner) may see drafts and are
    metered, so their responses are neither shared-cached here nor by a CDN.
    """
    if request.user.is_authenticated:
        body = JSONRenderer().render(build())
        cache_control = PRIVATE_CACHE_CONTROL
    else:
        key = _page_key(request)
        body = None if key is None else cache.get(key)
        if body is None:
            body = JSONRenderer().render(build())
            if key is not None:
                cache.set(key, body, PAGE_TTL)
        cache_control = PUBLIC_CACHE_CONTROL
    etag = _etag(body)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    patch_vary_headers(response, ["Authorization", "X-Api-Key"])
    return response
