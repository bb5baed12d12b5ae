"""Shared-cache, ETag and Cache-Control handling of catalogue reads.

Anonymous reads are the same for every caller, so their rendered bodies live in the shared
cache, keyed on the path and the full (sorted) query string under a generation number.
Every catalogue write bumps the generation after its transaction commits, which retires all
cached pages at once without scanning keys.

An anonymous read costs one Redis round trip: the rate limit's counter, the generation and
the page (under the generation this process saw last, a `PageRider`) travel in one
pipeline, sent before DRF runs (`SharedPages`): a page found is answered there, anything
else goes on through DRF with that count and those reads. The page is served only when the
generation read with it is the one in its key, so this adds no staleness: as when they are
read one after the other, a write committing between the two reads can have the page read
just retired. After a write, each process pays one more round trip on its next read, to
fetch the page under the new generation.

A retirement Redis does not take (unreachable or hung at the commit: django-redis answers
the INCR with None) is not lost: the process remembers it and retries it at the start of
each of its requests and before it serves or caches any catalogue page; until it succeeds
the process renders every page itself and caches none. Other processes cannot know of it, so
until then they may serve the old page until it expires: PAGE_TTL after it was cached,
hence at most PAGE_TTL after the write committed. That is the hard bound.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from rest_framework.renderers import JSONRenderer

from apps.core.http import if_none_match
from concert.api.negotiation import takes_at_once
from concert.api.paths import is_partner_path
from concert.api.throttling import RequestRateThrottle, carries_identity

logger = logging.getLogger(__name__)

GENERATION_KEY = "catalogue:generation"
PAGE_KEY = "catalogue:page:v2"  # v2: a page is kept as (ETag, body), hashed once when made
PAGE_TTL = 300
PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
PRIVATE_CACHE_CONTROL = "private, no-store"
CACHE_NOTE = (
    " Anonymous reads are shared-cached and sent with `Cache-Control: public`; every response "
    "has an `ETag` (send it back in `If-None-Match` for a 304)."
)


RIDER = "catalogue_page_rider"  # on the Django request

_seen_generation: int | None = None  # the last generation this process read
_retirement_pending = False  # a bump the cache did not take, retried before any page


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


def _bump() -> bool:
    """Whether the cache took the new generation (django-redis answers None when it could
    not be reached; add's False means another process made a new clock-based one)."""
    try:
        return cache.incr(GENERATION_KEY) is not None
    except ValueError:
        return cache.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None) is not None


def _retired() -> bool:
    """Whether every retirement of this process reached the cache, retrying a pending one."""
    global _retirement_pending
    if _retirement_pending and _bump():
        _retirement_pending = False
        logger.warning("catalogue pages retired on retry")
    return not _retirement_pending


def retry_retirement(**kwargs) -> None:
    """request_started receiver: a pending retirement is retried with the process's next
    request of any kind, not only its next catalogue read."""
    if _retirement_pending:
        _retired()


def _retire() -> None:
    """One bump retires every page, a pending earlier retirement's too."""
    global _retirement_pending
    if _bump():
        _retirement_pending = False
        return
    _retirement_pending = True
    logger.warning("catalogue pages not retired (cache unavailable): retried before this "
                   "process serves a page; other processes may serve old pages for up to "
                   "%s s", PAGE_TTL)


def invalidate() -> None:
    """Retire every cached catalogue page once the current transaction commits.

    Bumping before the commit would let a concurrent read cache the old rows under the new
    generation; after the commit such a read can only store them under the retired one.
    """
    transaction.on_commit(_retire)


def _page_key(request, generation: int) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    # Scheme and host are part of the key: pagination links in the body are absolute URLs.
    url = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"{PAGE_KEY}:{generation}:{digest}"


class PageRider:
    """The cache reads of an anonymous page, sent with the request's rate count (see
    concert.api.throttling): the generation, and the page under the generation this process
    saw last. `accept` takes their values in `cache_keys()` order."""

    def __init__(self, request):
        self.generation = _seen_generation
        self.page_key = None if self.generation is None else _page_key(request, self.generation)
        self.fetched = False
        self.current: int | None = None
        self.page: Page | None = None

    def cache_keys(self) -> list[str]:
        return [GENERATION_KEY] + ([self.page_key] if self.page_key else [])

    def accept(self, values: list[Any]) -> None:
        global _seen_generation
        self.fetched = True
        self.current = values[0]
        if self.current is not None:
            _seen_generation = self.current
        if self.page_key is not None and self.current == self.generation:
            self.page = values[1]


def _django(request) -> HttpRequest:
    return getattr(request, "_request", request)  # DRF's Request wraps Django's


def page_rider(request) -> PageRider | None:
    """A rider for an anonymous GET (the only reads shared-cached), else None."""
    if request.method != "GET" or request.user.is_authenticated or not _retired():
        return None
    return _rider(request)


def _rider(request) -> PageRider:
    """The request's rider, made once and kept on it: the early answer, DRF's throttle and
    `read_response` share it."""
    django_request = _django(request)
    rider = getattr(django_request, RIDER, None)
    if rider is None:
        rider = PageRider(request)
        setattr(django_request, RIDER, rider)
    return rider


def _shared_page(request) -> tuple[str | None, Page | None]:
    """(page key, cached page or None) of an anonymous read; no key without the cache, nor
    while a retirement is pending."""
    global _seen_generation
    if not _retired():
        return None, None
    rider = getattr(_django(request), RIDER, None)
    if rider is not None and rider.fetched and rider.current is not None:
        if rider.page_key is not None and rider.current == rider.generation:
            return rider.page_key, rider.page  # read in the rider's round trip, hit or miss
        generation = rider.current
    else:
        generation = _generation()
    if generation is None:
        return None, None
    _seen_generation = generation
    key = _page_key(request, generation)
    return key, cache.get(key)


Page = tuple[str, bytes]  # (ETag, JSON body)


def _page(body: bytes) -> Page:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"', body


def read_response(request, build: Callable[[], Any]) -> HttpResponse:
    """Renders `build()` as JSON: cached for anonymous callers, with an ETag for everyone.

    Signed-in users and partner keys (which act as their owner) may see drafts and are
    metered, so their responses are neither shared-cached here nor by a CDN.
    """
    if request.user.is_authenticated:
        page = _page(JSONRenderer().render(build()))
        cache_control = PRIVATE_CACHE_CONTROL
    else:
        key, page = _shared_page(request)
        if page is None:
            page = _page(JSONRenderer().render(build()))
            if key is not None:
                cache.set(key, page, PAGE_TTL)
        cache_control = PUBLIC_CACHE_CONTROL
    return _answer(request, page, cache_control)


def _answer(request, page: Page, cache_control: str) -> HttpResponse:
    etag, body = page
    if if_none_match(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    patch_vary_headers(response, ["Authorization", "X-Api-Key"])
    return response


def answerable_at_once(request) -> bool:
    """An anonymous GET of the public API (partner paths need a key) that takes JSON."""
    return (request.method == "GET" and not is_partner_path(request.path_info)
            and not carries_identity(request)
            and takes_at_once(request, JSONRenderer.media_type))


def _page_at_once(request) -> HttpResponse | None:
    """The shared page of an anonymous GET, found in the cache before DRF runs; None when
    the request takes DRF's path (it then reuses this round trip's count and reads).

    Only a request that carries no identity is anonymous here, so DRF's authentication
    would find none; the views' permissions let anonymous GETs through (both held by
    tests/core/test_shared_pages.py); the rate limit counts it as DRF's throttle would and
    a refusal goes to DRF's path to be answered; and DRF's negotiation would pick JSON.
    """
    if not answerable_at_once(request) or not _retired():
        return None
    rider = _rider(request)
    if not RequestRateThrottle().admit_anonymous(request, rider) or rider.page is None:
        return None
    return _answer(request, rider.page, PUBLIC_CACHE_CONTROL)


class SharedPages:
    """For DRF views whose anonymous GETs are shared pages (`read_response`): a page already
    in the cache is answered before DRF's authentication, permissions, throttles and
    negotiation, which cost about a quarter of a cached read's time; everything else takes
    DRF's path, in the same single round trip to Redis."""

    cache_rider = staticmethod(page_rider)

    def dispatch(self, request, *args, **kwargs):
        response = _page_at_once(request)
        if response is None:
            return super().dispatch(request, *args, **kwargs)
        self.headers = self.default_response_headers  # DRF's, such as Allow
        return self.finalize_response(request, response, *args, **kwargs)
