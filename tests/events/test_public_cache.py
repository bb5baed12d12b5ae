"""Cached public reads: shared cache for anonymous callers, invalidation on every write,
ETag/304, Cache-Control for a CDN, and reads that survive a Redis outage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from apps.events import public_cache, services
from apps.events.models import Event
from concert.config import redis_cache
from tests.accounts.factories import UserFactory
from tests.events.factories import ArtistFactory, EventFactory, PerformanceFactory

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=60, stale-while-revalidate=300"
PRIVATE = "private, no-store"


def titles(api_client, url="/api/v1/events") -> list[str]:
    return [e["title"] for e in api_client.get(url).json()["results"]]


def test_anonymous_reads_come_from_the_shared_cache(api_client):
    event = EventFactory(title="Before")
    assert titles(api_client) == ["Before"]
    assert api_client.get(f"/api/v1/events/{event.slug}").json()["title"] == "Before"
    # A change behind the services' back is not seen: the pages are served from the cache...
    Event.objects.filter(pk=event.pk).update(title="Behind the back")
    assert titles(api_client) == ["Before"]
    assert api_client.get(f"/api/v1/events/{event.slug}").json()["title"] == "Before"
    # ...keyed on the whole query string, in any order.
    assert titles(api_client, "/api/v1/events?city=berlin&page_size=5") == ["Behind the back"]
    Event.objects.filter(pk=event.pk).update(title="Again")
    assert titles(api_client, "/api/v1/events?page_size=5&city=berlin") == ["Behind the back"]


def _publish(event, artist, upload):
    services.event_publish(event=EventFactory(draft=True, title="New show",
                                              venue=event.venue))


def _edit(event, artist, upload):
    services.event_update(event=event, data={"title": "Renamed"})


def _add_set(event, artist, upload):
    services.performance_create(event=event, artist=artist, starts_at=event.starts_at,
                                ends_at=event.starts_at + timedelta(hours=1))


def _drop_set(event, artist, upload):
    services.performance_delete(performance=event.performances.get())


def _rename_artist(event, artist, upload):
    services.artist_update(artist=event.performances.get().artist, data={"name": "Renamed"})


def _rename_venue(event, artist, upload):
    services.venue_update(venue=event.venue, data={"name": "Renamed hall"})


def _cancel(event, artist, upload):
    services.event_cancel(event=event)


def _add_picture(event, artist, upload):
    services.event_picture_add(event=event, upload=upload)


def _rename_organizer(event, artist, upload):
    from apps.accounts.services import user_profile_update

    user_profile_update(user=event.organizer, data={"display_name": "Someone else"})


@pytest.mark.parametrize(
    "write",
    [_publish, _edit, _add_set, _drop_set, _rename_artist, _rename_venue, _cancel, _add_picture,
     _rename_organizer],
)
def test_every_write_retires_cached_pages(api_client, django_capture_on_commit_callbacks,
                                         png_upload, write):
    event = EventFactory(title="Before")
    PerformanceFactory(event=event)
    detail = f"/api/v1/events/{event.slug}"
    urls = ["/api/v1/events", "/api/v1/events?city=berlin", detail, f"{detail}/lineup",
            f"{detail}/pictures"]
    before = [api_client.get(url).content for url in urls]
    with django_capture_on_commit_callbacks(execute=True):
        write(event, ArtistFactory(), png_upload())
    after = [api_client.get(url).content for url in urls]
    assert after[0] != before[0]
    # A signed-in fan sees the same public rows, never from the cache: nothing is stale.
    api_client.force_authenticate(UserFactory())
    assert after == [api_client.get(url).content for url in urls]


def test_pages_read_over_http_and_https_are_cached_apart(api_client):
    EventFactory.create_batch(2)

    plain = api_client.get("/api/v1/events?page_size=1").json()["next"]
    secure = api_client.get("/api/v1/events?page_size=1", secure=True).json()["next"]

    assert plain == "http://testserver/api/v1/events?page=2&page_size=1"
    assert secure == "https://testserver/api/v1/events?page=2&page_size=1"


def test_a_generation_lost_from_the_cache_never_revives_old_pages(api_client):
    event = EventFactory(title="Before")
    assert titles(api_client) == ["Before"]
    cache.delete(public_cache.GENERATION_KEY)  # evicted, or Redis restarted with old pages
    Event.objects.filter(pk=event.pk).update(title="After")
    assert titles(api_client) == ["After"]


def test_etag_and_cache_control(api_client):
    event = EventFactory()
    draft = EventFactory(draft=True, organizer=event.organizer)
    first = api_client.get("/api/v1/events")
    assert first["Cache-Control"] == PUBLIC
    assert {"Authorization", "X-Api-Key"} <= {v.strip() for v in first["Vary"].split(",")}
    etag = first["ETag"]
    again = api_client.get("/api/v1/events", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert api_client.get("/api/v1/events", HTTP_IF_NONE_MATCH='"stale"').status_code == 200

    api_client.force_authenticate(event.organizer)
    own = api_client.get(f"/api/v1/events/{draft.slug}")
    assert (own.status_code, own["Cache-Control"]) == (200, PRIVATE)
    revalidated = api_client.get(f"/api/v1/events/{draft.slug}", HTTP_IF_NONE_MATCH=own["ETag"])
    assert revalidated.status_code == 304
    assert api_client.get("/api/v1/events")["Cache-Control"] == PRIVATE


def test_reads_work_with_redis_down(api_client, settings):
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0")}
    EventFactory(title="Still listed")
    assert titles(api_client) == ["Still listed"]
    assert titles(api_client) == ["Still listed"]
    services.event_update(event=Event.objects.get(), data={"title": "Still editable"})


@pytest.mark.redis
def test_a_warm_anonymous_read_is_one_round_trip_to_redis_and_never_stale(
        api_client, monkeypatch, django_capture_on_commit_callbacks):
    """Rate count, generation and page travel in one pipeline; after a write the next read
    pays one more round trip for the page under the new generation, and serves it."""
    from concert.cache import CircuitBreakerMixin

    event = EventFactory(title="Before")
    assert titles(api_client) == ["Before"]  # renders the page and caches it
    sent = []
    send = CircuitBreakerMixin.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(CircuitBreakerMixin, "send_packed_command", counted)

    def round_trips(url="/api/v1/events") -> tuple[list[str], int]:
        sent.clear()
        return titles(api_client, url), len(sent)

    assert round_trips() == (["Before"], 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=event, data={"title": "After"})
    assert round_trips() == (["After"], 3)  # pipeline, page, set
    assert round_trips() == (["After"], 1)
    assert round_trips("/api/v1/events?page_size=5") == (["After"], 2)  # a miss: set


@pytest.mark.redis
def test_a_retirement_redis_missed_is_retried_before_any_page_is_served(
        api_client, settings, monkeypatch, django_capture_on_commit_callbacks):
    """An edit while Redis is briefly away (its INCR of the generation is lost): the process
    that made it retires the pages before it serves one, so every process reads the new
    generation from Redis; pages never outlive PAGE_TTL, the bound for the others meanwhile."""
    from django_redis import get_redis_connection
    from rest_framework.test import APIClient

    monkeypatch.setattr(public_cache, "_retirement_pending", False)
    event = EventFactory(title="Before")
    detail = f"/api/v1/events/{event.pk}"
    assert api_client.get(detail).json()["title"] == "Before"  # cached
    redis = get_redis_connection("default")
    pages = redis.keys(cache.make_key("catalogue:page:*"))
    assert pages and all(0 < redis.ttl(page) <= public_cache.PAGE_TTL for page in pages)
    generation = cache.get(public_cache.GENERATION_KEY)

    working = settings.CACHES
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0")}
    organizer = APIClient()
    organizer.force_authenticate(event.organizer)
    with django_capture_on_commit_callbacks(execute=True):
        edit = organizer.patch(detail, {"title": "After"}, format="json")
    assert edit.status_code == 200
    settings.CACHES = working  # Redis is back

    assert cache.get(public_cache.GENERATION_KEY) == generation  # the retirement was lost
    # The process's next request, whatever it is, retries it: every process then reads the
    # new generation from Redis.
    assert organizer.get("/api/v1/me").status_code == 200
    assert cache.get(public_cache.GENERATION_KEY) > generation
    assert api_client.get(detail).json()["title"] == "After"
    monkeypatch.setattr(public_cache, "_seen_generation", generation)  # another process
    assert api_client.get(detail).json()["title"] == "After"



def test_a_retirement_redis_takes_logs_nothing(caplog, django_capture_on_commit_callbacks):
    """Only a retirement the cache missed is worth a warning (every write retires pages)."""
    event = EventFactory()
    with (caplog.at_level("WARNING", logger="apps.events.public_cache"),
          django_capture_on_commit_callbacks(execute=True)):
        services.event_update(event=event, data={"title": "Renamed"})
    assert caplog.records == []
    assert not public_cache._retirement_pending
