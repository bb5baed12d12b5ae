"""Shared pages answered before DRF runs: the same answer DRF's path gives, for anonymous
callers only, counted once against the rate limit."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils.module_loading import import_string
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.events import public_cache
from apps.events.models import Event
from apps.events.public_cache import SharedPages
from concert.api.throttling import carries_identity
from tests.events.factories import EventFactory
from tests.tickets.factories import TicketTypeFactory

pytestmark = pytest.mark.django_db


def _shared_page_views() -> list[tuple[str, type]]:
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                view = getattr(pattern.callback, "cls", None)
                if view is not None and issubclass(view, SharedPages):
                    found.append((prefix + str(pattern.pattern), view))

    walk(get_resolver().url_patterns)
    return found


def test_every_shared_page_view_lets_anonymous_gets_through_its_permissions():
    """What the early answer skips, checked once here: DRF's permissions would admit any
    anonymous GET it answers (their object checks ran when the page was made). Partner
    paths take a key, so none is answered early there."""
    views = _shared_page_views()
    assert {"events", "venues", "artists", "ticket-types"} <= {
        part for route, _ in views for part in route.replace("<", "/").split("/")}
    for route, view_class in views:
        django_request = RequestFactory().get("/" + route)
        if not public_cache.answerable_at_once(django_request):
            assert route.startswith("partner/")
            continue
        view = view_class()
        request = Request(django_request)
        view.request, view.format_kwarg = request, None
        assert request.user.is_anonymous
        for permission in view.get_permissions():
            assert permission.has_permission(request, view), (route, permission)


headers = st.dictionaries(
    st.sampled_from(["HTTP_COOKIE", "HTTP_X_FORWARDED_FOR", "HTTP_ACCEPT", "HTTP_ORIGIN",
                     "HTTP_X_AMZN_OIDC_DATA", "HTTP_PROXY_AUTHORIZATION", "HTTP_X_USER",
                     "HTTP_X_FORWARDED_PROTO", "HTTP_X_AUTHORIZATION", "QUERY_STRING"]),
    st.text(st.characters(codec="latin-1"), max_size=60),
)


@given(meta=headers, path=st.sampled_from(["/api/v1/events", "/partner/v1/events"]),
       trust=st.booleans())
def test_without_identity_every_authentication_class_finds_none(meta, path, trust):
    """The early answer's premise: a request that carries no credentials, no authorizer
    verdict and no forced user is anonymous to every authentication class, whatever else
    it sends."""
    from django.test import override_settings

    django_request = RequestFactory().get(path, **meta)
    assert not carries_identity(django_request)
    with override_settings(AUTH_TRUST_API_GATEWAY=trust):
        for name in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]:
            assert import_string(name)().authenticate(Request(django_request)) is None, name


def _without_early_answers(monkeypatch):
    monkeypatch.setattr(public_cache, "_page_at_once", lambda request: None)


def _comparable(response) -> tuple:
    skip = {"X-Request-Id"}
    return (response.status_code, response.content,
            sorted((k, v) for k, v in response.headers.items() if k not in skip))


@pytest.mark.parametrize("extra", [{}, {"HTTP_ACCEPT": "application/json"},
                                   {"HTTP_ACCEPT": "*/*", "HTTP_ORIGIN": "https://example.org"}])
def test_an_early_answer_is_the_answer_drfs_path_gives(api_client, monkeypatch, extra):
    event = EventFactory()
    ticket_type = TicketTypeFactory(event=event)
    urls = ["/api/v1/events", f"/api/v1/events/{event.slug}", "/api/v1/venues?page_size=3",
            f"/api/v1/events/{event.slug}/ticket-types",
            f"/api/v1/events/{event.slug}/ticket-types/{ticket_type.pk}"]
    for url in urls:
        api_client.get(url, **extra)  # cached
    early = [api_client.get(url, **extra) for url in urls]
    etag = early[1]["ETag"]
    early_304 = api_client.get(urls[1], HTTP_IF_NONE_MATCH=etag, **extra)
    with monkeypatch.context() as patched:
        _without_early_answers(patched)
        drf = [api_client.get(url, **extra) for url in urls]
        drf_304 = api_client.get(urls[1], HTTP_IF_NONE_MATCH=etag, **extra)
    assert [_comparable(r) for r in early] == [_comparable(r) for r in drf]
    assert early_304.status_code == 304 and _comparable(early_304) == _comparable(drf_304)


def test_a_cached_page_is_answered_without_drf(api_client, monkeypatch):
    EventFactory(title="Cached")
    assert api_client.get("/api/v1/events").status_code == 200
    monkeypatch.setattr(APIView, "initial", lambda *a, **k: pytest.fail("DRF's path ran"))
    assert api_client.get("/api/v1/events").json()["results"][0]["title"] == "Cached"


@pytest.mark.parametrize("credentials", [
    {"HTTP_AUTHORIZATION": "Bearer not.a.token"},
    {"HTTP_X_API_KEY": "ck_live_nothing"},
])
def test_credentials_always_take_drfs_path(api_client, credentials):
    """A bad token is a 401 even where the anonymous page is cached."""
    EventFactory()
    assert api_client.get("/api/v1/events").status_code == 200
    response = api_client.get("/api/v1/events", **credentials)
    assert response.status_code == 401


def test_a_signed_in_caller_never_gets_the_anonymous_page(api_client):
    draft = EventFactory(draft=True, title="Draft of mine")
    assert api_client.get("/api/v1/events").json()["results"] == []
    api_client.force_authenticate(draft.organizer)
    titles = [e["title"] for e in api_client.get("/api/v1/events").json()["results"]]
    assert titles == ["Draft of mine"]


@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_a_type_json_cannot_answer_is_406_even_when_cached(api_client, accept):
    EventFactory()
    assert api_client.get("/api/v1/events").status_code == 200
    assert api_client.get("/api/v1/events", HTTP_ACCEPT=accept).status_code == 406


@pytest.mark.redis
def test_each_request_counts_once_and_refusals_are_drfs_429(api_client, settings):
    """Answered early or not, each request adds one to its window's counter: a request the
    early path hands to DRF (a refusal, a page not cached yet) is not counted again."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon": "4/min"}
    EventFactory()
    statuses = [api_client.get("/api/v1/events").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    refused = api_client.get("/api/v1/events")
    assert refused.json()["error"]["code"] == "throttled" and int(refused["Retry-After"]) >= 1
    counters = [key for key in cache.keys("throttle:anon:*")]
    assert len(counters) == 1 and cache.get(counters[0]) == 7


query_values = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "1", "2", "50", "1e3", "NaN", "berlin", "published", "draft"]),
)


@pytest.mark.redis
@hyp_settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(
    st.sampled_from(["city", "q", "page", "page_size", "status", "venue", "artist", "ordering",
                     "format", "x"]), query_values, max_size=3),
    path=st.sampled_from(["/api/v1/events", "/api/v1/venues", "/api/v1/artists"]))
def test_early_and_drf_answers_agree_for_any_query(api_client, monkeypatch, query, path):
    """Whatever the query string (any Unicode, huge numbers, unknown or repeated names), the
    early answer is the one DRF's path gives: the same status, body and headers, errors
    included (those are never cached, so DRF answers them both times)."""
    if not Event.objects.exists():
        EventFactory()
    api_client.get(path, query)  # caches the page when it is a 200
    early = api_client.get(path, query)
    with monkeypatch.context() as patched:
        _without_early_answers(patched)
        drf = api_client.get(path, query)
    assert _comparable(early) == _comparable(drf)
    assert early.status_code < 500
