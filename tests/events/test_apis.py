"""Catalogue API: response bodies, who may do what, listing filters and query counts,
lineup and pictures, partner keys, the admin."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rest_framework.fields import DateTimeField
from rest_framework.test import APIClient

from apps.events.models import Event, EventPicture, EventStatus, Performance, Venue
from apps.events.services import EVENT_HORIZON
from tests.accounts.factories import UserFactory
from tests.core.uploads import upload_picture
from tests.events.factories import (
    ArtistFactory,
    EventFactory,
    EventPictureFactory,
    PerformanceFactory,
    VenueFactory,
)
from tests.tickets.factories import TicketTypeFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = {"error": {"code": "permission_denied",
                       "message": "You do not have permission to perform this action.",
                       "details": {}}}
NOT_AUTHENTICATED = {"error": {"code": "not_authenticated",
                               "message": "Authentication credentials were not provided.",
                               "details": {}}}


def iso(value: datetime | None) -> str | None:
    return None if value is None else DateTimeField().to_representation(value)


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def error(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


# --- event bodies and visibility ----------------------------------------------------------


def test_event_detail_by_slug_or_id(api_client):
    start = datetime(2031, 6, 1, 18, 0, tzinfo=UTC)
    organizer = UserFactory(organizer=True, display_name="Nina Promo")
    venue = VenueFactory(name="Columbiahalle", slug="columbiahalle-berlin", city="Berlin",
                         country="DE", timezone="Europe/Berlin")
    event = EventFactory(title="Owls Live", slug="owls-live", description="Loud.",
                         organizer=organizer, venue=venue, starts_at=start,
                         ends_at=start + timedelta(hours=4),
                         published_at=datetime(2031, 1, 1, tzinfo=UTC))
    artist = ArtistFactory(name="The Owls", slug="the-owls", genre="indie")
    show = PerformanceFactory(event=event, artist=artist, starts_at=start + timedelta(hours=1),
                              ends_at=start + timedelta(hours=2, minutes=30), order=1)
    picture = EventPictureFactory(event=event, name="events/1/a.png",
                                  thumbnail_name="events/1/a.thumb.png", width=640,
                                  height=480, content_type="image/png", position=0)
    expected = {
        "id": event.pk, "slug": "owls-live", "title": "Owls Live", "description": "Loud.",
        "status": "published", "starts_at": "2031-06-01T18:00:00Z",
        "ends_at": "2031-06-01T22:00:00Z", "published_at": "2031-01-01T00:00:00Z",
        "cancelled_at": None,
        "venue": {"id": venue.pk, "slug": "columbiahalle-berlin", "name": "Columbiahalle",
                  "city": "Berlin", "country": "DE", "timezone": "Europe/Berlin"},
        "organizer": {"id": organizer.pk, "display_name": "Nina Promo"},
        "lineup": [{"id": show.pk, "order": 1, "starts_at": "2031-06-01T19:00:00Z",
                    "ends_at": "2031-06-01T20:30:00Z",
                    "artist": {"id": artist.pk, "slug": "the-owls", "name": "The Owls",
                               "genre": "indie"}}],
        "pictures": [{"id": picture.pk, "url": "/media/events/1/a.png",
                      "thumbnail_url": "/media/events/1/a.thumb.png", "width": 640,
                      "height": 480, "content_type": "image/png", "position": 0}],
        "tickets": None,
        "created_at": iso(event.created_at), "updated_at": iso(event.updated_at),
    }
    for ref in ("owls-live", str(event.pk)):
        response = api_client.get(f"/api/v1/events/{ref}")
        assert response.status_code == 200
        assert response.json() == expected
    response = api_client.get("/api/v1/events/no-such-night")
    assert response.status_code == 404
    assert response.json() == error("not_found", "No event matches 'no-such-night'.")


@pytest.mark.parametrize(
    ("viewer", "sees_draft"),
    [("anonymous", False), ("fan", False), ("other_organizer", False), ("owner", True),
     ("staff", True), ("admin", True)],
)
def test_drafts_are_seen_by_their_organizer_and_staff_only(api_client, viewer, sees_draft):
    owner = UserFactory(organizer=True)
    draft = EventFactory(draft=True, organizer=owner, title="Secret show")
    others_draft = EventFactory(draft=True, title="Someone else's plan")
    public = [EventFactory(status=s) for s in ("published", "cancelled", "completed")]
    users = {"anonymous": None, "fan": UserFactory(), "owner": owner,
             "other_organizer": UserFactory(organizer=True), "staff": UserFactory(staff=True),
             "admin": UserFactory(admin=True)}
    if users[viewer]:
        as_user(api_client, users[viewer])

    detail = api_client.get(f"/api/v1/events/{draft.slug}")
    assert detail.status_code == (200 if sees_draft else 404)
    listed = {e["slug"] for e in api_client.get("/api/v1/events").json()["results"]}
    expected = {e.slug for e in public}
    if sees_draft:
        expected.add(draft.slug)
    if viewer in ("staff", "admin"):
        expected.add(others_draft.slug)
    assert listed == expected


# --- event writes -------------------------------------------------------------------------


def test_organizer_creates_edits_publishes_cancels(api_client):
    organizer = UserFactory(organizer=True, display_name="Nina Promo")
    venue = VenueFactory(slug="roundhouse-london", name="Roundhouse", city="London",
                         country="GB", timezone="Europe/London")
    as_user(api_client, organizer)
    start = (timezone.now() + timedelta(days=200)).replace(hour=18, minute=0, second=0,
                                                           microsecond=0)
    summer = dt.timezone(timedelta(hours=1))
    created = api_client.post("/api/v1/events", {
        "title": "Folk on the Hill", "venue": "roundhouse-london",
        "starts_at": start.astimezone(summer).isoformat(),  # 19:00+01:00
        "ends_at": (start + timedelta(hours=4)).astimezone(summer).isoformat(),
    }, format="json")
    assert created.status_code == 201
    event = Event.objects.get()
    assert created.json() == {
        "id": event.pk, "slug": "folk-on-the-hill", "title": "Folk on the Hill",
        "description": "", "status": "draft", "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=4)), "published_at": None, "cancelled_at": None,
        "venue": {"id": venue.pk, "slug": "roundhouse-london", "name": "Roundhouse",
                  "city": "London", "country": "GB", "timezone": "Europe/London"},
        "organizer": {"id": organizer.pk, "display_name": "Nina Promo"},
        "lineup": [], "pictures": [], "tickets": None,
        "created_at": iso(event.created_at), "updated_at": iso(event.updated_at),
    }
    url = f"/api/v1/events/{event.slug}"
    edited = api_client.patch(url, {"description": "Songs old and new."}, format="json")
    assert (edited.status_code, edited.json()["description"]) == (200, "Songs old and new.")

    published = api_client.post(f"{url}/publish")
    assert (published.status_code, published.json()["status"]) == (200, "published")
    again = api_client.post(f"{url}/publish")
    assert again.status_code == 409
    assert again.json() == error("invalid_state",
                                 "Only draft events can be published; this one is published.")
    refused = api_client.delete(url)
    assert refused.status_code == 409
    assert refused.json() == error(
        "invalid_state", "Only draft events can be deleted; cancel a published event instead."
    )
    early = api_client.post(f"{url}/complete")
    assert early.json() == error("invalid_state",
                                 "An event can be completed only once it has ended.")

    cancelled = api_client.post(f"{url}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    frozen = api_client.patch(url, {"title": "Back on"}, format="json")
    assert frozen.status_code == 409
    assert frozen.json() == error("invalid_state", "A cancelled event can no longer be changed.")


# Event dates over the whole calendar: naive or with any offset a datetime can carry, at the
# calendar's ends, and near now (the past, the next years, past the horizon).
offsets = st.integers(-1439, 1439).map(lambda minutes: dt.timezone(timedelta(minutes=minutes)))
calendar = st.datetimes(min_value=datetime.min, max_value=datetime.max,
                        timezones=st.none() | offsets)
from_now = st.tuples(st.timedeltas(min_value=-EVENT_HORIZON, max_value=2 * EVENT_HORIZON),
                     offsets)
when = st.one_of(calendar, from_now, st.sampled_from([datetime.min, datetime.max]))
length = st.timedeltas(min_value=timedelta(hours=-1), max_value=timedelta(days=3))


def dates_to_send(start, ends, now: datetime) -> tuple[datetime, datetime]:
    """The generated dates: one of the calendar as it is, one `from_now` at now + its delta;
    an end given as a length after the start."""
    def resolve(value) -> datetime:
        if isinstance(value, tuple):
            delta, offset = value
            return (now + delta).astimezone(offset)
        return value

    starts_at = resolve(start)
    try:
        ends_at = starts_at + ends if isinstance(ends, timedelta) else resolve(ends)
    except OverflowError:  # a length past the calendar's end: no date to send
        assume(False)
    return starts_at, ends_at


def schedule_answer(starts_at: datetime, ends_at: datetime, before: datetime,
                    after: datetime) -> tuple[int, str] | None:
    """What the API answers two dates sent between `before` and `after` (None: too near a
    bound to tell): a 400 in the envelope for any date outside the rules."""
    try:
        start, end = (None if value.tzinfo is None else value.astimezone(UTC)
                      for value in (starts_at, ends_at))
    except OverflowError:  # outside the calendar once in UTC
        return 400, "invalid"
    if start is None or end is None:
        return 400, "invalid"
    if end <= start:
        return 400, "invalid_schedule"
    if start <= before or end > after + EVENT_HORIZON:
        return 400, "invalid_schedule"
    if start <= after or end > before + EVENT_HORIZON:
        return None
    return 201, ""


@settings(max_examples=120, deadline=None)
@given(start=when, ends=st.one_of(when, length))
def test_an_event_is_created_only_with_dates_from_now_to_the_horizon(start, ends):
    client = APIClient()
    client.force_authenticate(UserFactory(organizer=True))
    venue = VenueFactory()
    before = timezone.now()
    starts_at, ends_at = dates_to_send(start, ends, before)
    count = Event.objects.count()

    response = client.post("/api/v1/events", {
        "title": "Any day", "venue": venue.slug,
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
    }, format="json")

    expected = schedule_answer(starts_at, ends_at, before, timezone.now())
    assume(expected is not None)
    body = response.json()
    if expected[0] == 201:
        assert response.status_code == 201, body
        event = Event.objects.get(pk=body["id"])
        assert (event.starts_at, event.ends_at) == (starts_at, ends_at)
        assert body["starts_at"] == iso(starts_at)
    else:
        assert (response.status_code, body["error"]["code"]) == expected, body
        assert set(body["error"]["details"]) <= {"starts_at", "ends_at"}
        assert Event.objects.count() == count


@settings(max_examples=120, deadline=None)
@given(start=when, ends=st.one_of(when, length), draft=st.booleans())
def test_an_event_is_moved_only_to_dates_from_now_to_the_horizon(start, ends, draft):
    event = EventFactory(draft=draft)
    client = APIClient()
    client.force_authenticate(event.organizer)
    before = timezone.now()
    starts_at, ends_at = dates_to_send(start, ends, before)

    response = client.patch(f"/api/v1/events/{event.pk}", {
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
    }, format="json")

    expected = schedule_answer(starts_at, ends_at, before, timezone.now())
    assume(expected is not None)
    moved = Event.objects.get(pk=event.pk)
    if expected[0] == 201:
        assert response.status_code == 200, response.json()
        assert (moved.starts_at, moved.ends_at) == (starts_at, ends_at)
    else:
        body = response.json()
        assert (response.status_code, body["error"]["code"]) == expected, body
        assert (moved.starts_at, moved.ends_at) == (event.starts_at, event.ends_at)


def test_an_event_under_way_takes_a_new_title_and_its_own_dates_again(api_client):
    started = timezone.now() - timedelta(hours=1)
    event = EventFactory(starts_at=started, title="Before")
    client = as_user(api_client, event.organizer)

    renamed = client.patch(f"/api/v1/events/{event.pk}", {"title": "After"}, format="json")
    same_dates = client.patch(f"/api/v1/events/{event.pk}", {
        "title": "Again", "starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at)},
        format="json")
    moved = client.patch(f"/api/v1/events/{event.pk}", {
        "starts_at": iso(started - timedelta(hours=1))}, format="json")

    assert (renamed.status_code, renamed.json()["title"]) == (200, "After")
    assert (same_dates.status_code, same_dates.json()["title"]) == (200, "Again")
    assert (moved.status_code, moved.json()["error"]["code"]) == (400, "invalid_schedule")
    assert Event.objects.get(pk=event.pk).starts_at == started


def test_drafts_are_deleted(api_client):
    draft = EventFactory(draft=True)
    response = as_user(api_client, draft.organizer).delete(f"/api/v1/events/{draft.pk}")
    assert response.status_code == 204
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"title": "X", "venue": "hall-x", "starts_at": "2031-07-04T19:00:00",
          "ends_at": "2031-07-04T23:00:00Z"}, 400,
         error("invalid", "The request has invalid fields.", {"starts_at": [
             "Include a UTC offset, e.g. 2030-05-01T20:00:00+02:00 or ...T18:00:00Z."]})),
        ({"title": "X", "venue": "nowhere", "starts_at": "2031-07-04T19:00:00Z",
          "ends_at": "2031-07-04T23:00:00Z"}, 400,
         error("invalid", "The request has invalid fields.",
               {"venue": ["Object with slug=nowhere does not exist."]})),
        ({"title": "X", "venue": "hall-x", "starts_at": "2031-07-04T19:00:00Z",
          "ends_at": "2031-07-04T18:00:00Z"}, 400,
         error("invalid_schedule", "An event or set must end after it starts.",
               {"ends_at": ["Must be after starts_at."]})),
        ({"title": "", "venue": "hall-x"}, 400,
         error("invalid", "The request has invalid fields.", {
             "title": ["This field may not be blank."],
             "starts_at": ["This field is required."], "ends_at": ["This field is required."]})),
    ],
)
def test_bad_event_input_is_a_clear_400(api_client, body, status, expected):
    VenueFactory(slug="hall-x")
    response = as_user(api_client, UserFactory(organizer=True)).post(
        "/api/v1/events", body, format="json"
    )
    assert (response.status_code, response.json()) == (status, expected)
    assert not Event.objects.exists()


def test_fans_cannot_create_events(api_client):
    VenueFactory(slug="hall-x")
    body = {"title": "X", "venue": "hall-x", "starts_at": "2031-07-04T19:00:00Z",
            "ends_at": "2031-07-04T23:00:00Z"}
    anonymous = api_client.post("/api/v1/events", body, format="json")
    assert (anonymous.status_code, anonymous.json()) == (401, NOT_AUTHENTICATED)
    fan = as_user(api_client, UserFactory()).post("/api/v1/events", body, format="json")
    assert (fan.status_code, fan.json()) == (403, FORBIDDEN)


def _writes(event: Event, performance: Performance, picture: EventPicture, png_upload):
    base = f"/api/v1/events/{event.slug}"
    artist = ArtistFactory()
    return [
        ("patch", base, {"title": "Hijacked"}, "json"),
        ("delete", base, None, None),
        ("post", f"{base}/publish", None, None),
        ("post", f"{base}/cancel", None, None),
        ("post", f"{base}/complete", None, None),
        ("post", f"{base}/lineup", {"artist": artist.slug, "starts_at": iso(event.starts_at),
                                    "ends_at": iso(event.ends_at)}, "json"),
        ("patch", f"{base}/lineup/{performance.pk}", {"order": 9}, "json"),
        ("delete", f"{base}/lineup/{performance.pk}", None, None),
        ("post", f"{base}/pictures/uploads", {"content_type": "image/png"}, "json"),
        ("post", f"{base}/pictures", {"upload": str(uuid.uuid4())}, "json"),
        ("delete", f"{base}/pictures/{picture.pk}", None, None),
    ]


@pytest.mark.parametrize("status", [EventStatus.PUBLISHED, EventStatus.DRAFT])
@pytest.mark.parametrize("who", ["anonymous", "fan", "other_organizer"])
def test_nobody_else_changes_an_event(api_client, png_upload, status, who):
    event = EventFactory(status=status, title="Original")
    performance = PerformanceFactory(event=event)
    picture = EventPictureFactory(event=event)
    user = {"anonymous": None, "fan": UserFactory(),
            "other_organizer": UserFactory(organizer=True)}[who]
    if user:
        as_user(api_client, user)
    for method, url, body, fmt in _writes(event, performance, picture, png_upload):
        response = getattr(api_client, method)(url, body, format=fmt)
        if who == "anonymous":
            expected = (401, NOT_AUTHENTICATED)
        elif who == "fan" or status == EventStatus.PUBLISHED:
            expected = (403, FORBIDDEN)  # a fan is refused before any lookup
        else:
            expected = (404, error("not_found", f"No event matches '{event.slug}'."))
        assert (response.status_code, response.json()) == expected, (method, url)
    event.refresh_from_db()
    assert (event.title, event.status) == ("Original", status)
    assert list(event.performances.all()) == [performance]
    assert list(event.pictures.all()) == [picture]


def test_staff_change_any_event(api_client):
    event = EventFactory(draft=True)
    staff = as_user(api_client, UserFactory(staff=True))
    assert staff.patch(f"/api/v1/events/{event.pk}", {"title": "Fixed typo"},
                       format="json").json()["title"] == "Fixed typo"
    assert staff.post(f"/api/v1/events/{event.pk}/publish").json()["status"] == "published"


# --- lineup -------------------------------------------------------------------------------


def test_lineup_is_managed_by_the_organizer(api_client):
    event = EventFactory()
    artist = ArtistFactory(name="Marta Reis", slug="marta-reis", genre="fado")
    as_user(api_client, event.organizer)
    url = f"/api/v1/events/{event.slug}/lineup"
    start = event.starts_at + timedelta(hours=1)
    body = {"artist": "marta-reis", "starts_at": iso(start),
            "ends_at": iso(start + timedelta(hours=1)), "order": 2}
    created = api_client.post(url, body, format="json")
    assert created.status_code == 201
    performance = Performance.objects.get()
    set_json = {"id": performance.pk, "order": 2, "starts_at": iso(start),
                "ends_at": iso(start + timedelta(hours=1)),
                "artist": {"id": artist.pk, "slug": "marta-reis", "name": "Marta Reis",
                           "genre": "fado"}}
    assert created.json() == set_json
    assert api_client.get(url).json() == [set_json]

    twice = api_client.post(url, body, format="json")
    assert (twice.status_code, twice.json()) == (
        409, error("already_in_lineup", "This artist already plays at this event.")
    )
    late = api_client.patch(f"{url}/{performance.pk}",
                            {"ends_at": iso(event.ends_at + timedelta(minutes=1))}, format="json")
    assert (late.status_code, late.json()) == (400, error(
        "set_outside_event", "Every set of the lineup must fall inside its event.",
        {"event": {"starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at)}},
    ))
    assert api_client.delete(f"{url}/{performance.pk}").status_code == 204
    assert api_client.delete(f"{url}/{performance.pk}").json() == error(
        "not_found", f"No set in this lineup matches '{performance.pk}'."
    )


# --- listing ------------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    now = timezone.now().replace(microsecond=0)
    berlin = VenueFactory(slug="astra", name="Astra Kulturhaus", city="Berlin")
    london = VenueFactory(slug="roundhouse", name="Roundhouse", city="London")
    jazz_cafe = VenueFactory(slug="jazz-cafe", name="The Jazz Cafe", city="London")
    owls, brass = ArtistFactory(slug="owls", name="Midnight Owls"), ArtistFactory(slug="brass")
    brunch = EventFactory(slug="brunch", title="Sunday Brunch", venue=berlin,
                          starts_at=now + timedelta(days=5))
    rock = EventFactory(slug="rock", title="Rock Night", venue=london,
                        starts_at=now + timedelta(days=10))
    folk = EventFactory(slug="folk", title="Acoustic Evening", venue=jazz_cafe,
                        starts_at=now + timedelta(days=20), status=EventStatus.CANCELLED)
    EventFactory(slug="draft", title="Rock Draft", venue=london, draft=True)
    PerformanceFactory(event=brunch, artist=owls)
    PerformanceFactory(event=folk, artist=owls)
    PerformanceFactory(event=rock, artist=brass)
    return now


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("", ["brunch", "rock", "folk"]),
        ("city=london", ["rock", "folk"]),
        ("city=LONDON&venue=roundhouse", ["rock"]),
        ("artist=owls", ["brunch", "folk"]),
        ("status=cancelled", ["folk"]),
        ("status=draft", []),
        ("q=rock", ["rock"]),
        ("q=owls", ["brunch", "folk"]),
        ("q=jazz", ["folk"]),
        ("ordering=-starts_at", ["folk", "rock", "brunch"]),
        ("ordering=title", ["folk", "rock", "brunch"]),
        ("page_size=2&page=2", ["folk"]),
    ],
)
def test_event_listing_filters(api_client, catalogue, query, slugs):
    response = api_client.get(f"/api/v1/events?{query}")
    assert response.status_code == 200
    assert [e["slug"] for e in response.json()["results"]] == slugs


def test_event_listing_date_range(api_client, catalogue):
    after = (catalogue + timedelta(days=7)).isoformat()
    before = (catalogue + timedelta(days=15)).isoformat()
    response = api_client.get("/api/v1/events", {"starts_after": after, "starts_before": before})
    assert [e["slug"] for e in response.json()["results"]] == ["rock"]


def test_bad_listing_filters_are_a_clear_400(api_client):
    response = api_client.get("/api/v1/events?starts_after=soon&status=sold&ordering=price")
    assert response.status_code == 400
    assert response.json() == error("invalid", "The request has invalid fields.", {
        "starts_after": ["Enter a valid date/time."],
        "status": ["Select a valid choice. sold is not one of the available choices."],
        "ordering": ["Select a valid choice. price is not one of the available choices."],
    })


@pytest.mark.parametrize("value", [
    "9999-12-31T23:59:59.999999-23:59",  # past the calendar's end once in UTC
    "0001-01-01T00:00:00+14:00",  # before its start
])
def test_listing_date_times_outside_the_calendar_in_utc_are_a_400(api_client, value):
    response = api_client.get("/api/v1/events", {"starts_after": value, "starts_before": value})

    assert response.status_code == 400
    assert response.json() == error("invalid", "The request has invalid fields.", {
        "starts_after": ["Date-time out of range."], "starts_before": ["Date-time out of range."],
    })


@pytest.mark.parametrize("kind", ["events", "venues", "artists"])
@pytest.mark.parametrize("ref", ["\u00b2", "\u0663", "1\u00b2"])  # ², Arabic-Indic 3, 1²
def test_references_of_other_digits_than_ascii_are_no_ids(api_client, kind, ref):
    EventFactory(slug="x")

    response = api_client.get(f"/api/v1/{kind}/{ref}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_event_listing_query_count_is_constant(api_client, django_assert_num_queries):
    def add_events(count: int) -> None:
        for _ in range(count):
            event = EventFactory()
            PerformanceFactory.create_batch(2, event=event)
            EventPictureFactory(event=event)
            TicketTypeFactory(event=event, price=Decimal("30.00"))
            TicketTypeFactory(event=event, price=Decimal("20.00"), capacity=1, sold=1)

    def listing() -> list[dict]:
        return api_client.get("/api/v1/events?page_size=20&q=night&city=berlin").json()["results"]

    add_events(1)
    EventFactory(draft=True)
    as_user(api_client, UserFactory(organizer=True))
    listing()  # a first request may warm per-caller caches (quota plan) outside the catalogue
    with CaptureQueriesContext(connection) as one_event:
        assert len(listing()) == 1
    # count, the page of events with venue and organizer, their sets with artists, pictures,
    # ticket types;
    # whatever else a request costs (identity, metering) does not depend on the page.
    catalogue_queries = [q for q in one_event.captured_queries
                         if any(f"{quote}{app}_" in q["sql"]
                                for quote in "`\"" for app in ("events", "tickets"))]
    assert len(catalogue_queries) == 5
    add_events(19)
    with django_assert_num_queries(len(one_event)):
        results = listing()
    assert len(results) == 20
    assert all(len(e["lineup"]) == 2 and len(e["pictures"]) == 1 for e in results)
    # The cheaper type is sold out: "from" is the lowest price still buyable.
    assert {repr(e["tickets"]) for e in results} == {
        repr({"price_from": "30.00", "currency": "EUR", "availability": "on_sale"})
    }


# --- venues and artists -------------------------------------------------------------------


def test_venues_are_public_and_added_by_organizers(api_client):
    venue = VenueFactory(name="Roundhouse", slug="roundhouse-london", city="London",
                         address="Chalk Farm Rd", country="GB", timezone="Europe/London",
                         capacity=3300)
    listed = api_client.get("/api/v1/venues?city=london")
    assert listed.json() == {"count": 1, "next": None, "previous": None, "results": [{
        "id": venue.pk, "slug": "roundhouse-london", "name": "Roundhouse", "city": "London",
        "address": "Chalk Farm Rd", "country": "GB", "timezone": "Europe/London",
        "capacity": 3300, "created_at": iso(venue.created_at),
        "updated_at": iso(venue.updated_at),
    }]}
    fan = as_user(api_client, UserFactory())
    body = {"name": "Coliseu", "city": "Lisbon", "country": "pt", "capacity": 4000,
            "timezone": "Europe/Lisbon"}
    assert fan.post("/api/v1/venues", body, format="json").json() == FORBIDDEN
    organizer = as_user(api_client, UserFactory(organizer=True))
    created = organizer.post("/api/v1/venues", body, format="json")
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("slug", "country", "address", "capacity")} == {
        "slug": "coliseu-lisbon", "country": "PT", "address": "", "capacity": 4000,
    }
    bad = organizer.post("/api/v1/venues", {**body, "timezone": "Mars/Olympus",
                                            "country": "PRT", "capacity": 0}, format="json")
    assert bad.json() == error("invalid", "The request has invalid fields.", {
        "country": ["Use the ISO 3166-1 two-letter code."],
        "timezone": ["Unknown time zone; use an IANA name."],
        "capacity": ["Ensure this value is greater than or equal to 1."],
    })


def test_venue_edits_belong_to_their_creator_and_deletes_to_staff(api_client):
    creator = UserFactory(organizer=True)
    venue = VenueFactory(created_by=creator, slug="astra")
    url = "/api/v1/venues/astra"
    other = as_user(api_client, UserFactory(organizer=True))
    assert other.patch(url, {"capacity": 10}, format="json").json() == FORBIDDEN
    mine = as_user(api_client, creator)
    assert mine.patch(url, {"capacity": 1600}, format="json").json()["capacity"] == 1600
    assert mine.delete(url).json() == FORBIDDEN
    EventFactory(venue=venue)
    staff = as_user(api_client, UserFactory(staff=True))
    in_use = staff.delete(url)
    assert (in_use.status_code, in_use.json()) == (409, error(
        "in_use", "Events take place at this venue; it cannot be deleted."))
    assert staff.delete(f"/api/v1/venues/{VenueFactory().pk}").status_code == 204
    assert Venue.objects.count() == 1


def test_artists_are_public_and_added_by_organizers(api_client):
    artist = ArtistFactory(name="Marta Reis", slug="marta-reis", genre="fado", bio="Fado.")
    assert api_client.get("/api/v1/artists/marta-reis").json() == {
        "id": artist.pk, "slug": "marta-reis", "name": "Marta Reis", "bio": "Fado.",
        "genre": "fado", "created_at": iso(artist.created_at),
        "updated_at": iso(artist.updated_at),
    }
    assert [a["slug"] for a in api_client.get("/api/v1/artists?genre=FADO").json()["results"]] \
        == ["marta-reis"]
    organizer = as_user(api_client, UserFactory(organizer=True))
    created = organizer.post("/api/v1/artists", {"name": "Marta Reis"}, format="json")
    assert (created.status_code, created.json()["slug"]) == (201, "marta-reis-2")
    assert organizer.patch("/api/v1/artists/marta-reis", {"genre": "pop"},
                           format="json").json() == FORBIDDEN
    as_user(api_client, UserFactory())
    assert api_client.post("/api/v1/artists", {"name": "X"}, format="json").json() == FORBIDDEN


# --- pictures -----------------------------------------------------------------------------


def test_event_pictures_upload_and_delete(api_client, png_upload, settings,
                                          django_capture_on_commit_callbacks):
    event = EventFactory()
    as_user(api_client, event.organizer)
    url = f"/api/v1/events/{event.slug}/pictures"

    def add(picture):
        upload = upload_picture(api_client, f"{url}/uploads", picture)
        return api_client.post(url, {"upload": upload}, format="json")

    created = add(png_upload())
    assert created.status_code == 201
    picture = EventPicture.objects.get()
    assert created.json() == {
        "id": picture.pk, "url": f"/media/{picture.name}",
        "thumbnail_url": f"/media/{picture.thumbnail_name}", "width": 640, "height": 480,
        "content_type": "image/png", "position": 0,
    }
    assert picture.name.startswith(f"events/{event.pk}/")
    files = [settings.MEDIA_ROOT / picture.name, settings.MEDIA_ROOT / picture.thumbnail_name]
    assert all(f.exists() for f in files)
    second = add(png_upload(color=(0, 0, 255)))
    assert second.json()["position"] == 1
    assert [p["id"] for p in api_client.get(url).json()] == [picture.pk, second.json()["id"]]

    duplicate = add(png_upload())
    assert (duplicate.status_code, duplicate.json()) == (409, error(
        "picture_exists", "This picture is already in the event's gallery."))
    assert all(f.exists() for f in files)  # the twin's files stay
    garbage = add(b"not a picture at all")
    assert (garbage.status_code, garbage.json()) == (400, error(
        "invalid_picture", "The file is not a JPEG, PNG or WebP picture."))
    missing = api_client.post(url, {}, format="json")
    assert missing.json() == error("invalid", "The request has invalid fields.",
                                   {"upload": ["This field is required."]})
    multipart = api_client.post(url, {"file": png_upload()}, format="multipart")
    assert multipart.status_code == 415

    with django_capture_on_commit_callbacks(execute=True):
        deleted = api_client.delete(f"{url}/{picture.pk}")
    assert deleted.status_code == 204
    assert not any(f.exists() for f in files)
    assert EventPicture.objects.count() == 1


# --- partner keys -------------------------------------------------------------------------


@pytest.mark.parametrize(("scopes", "status"), [(["events:read"], 200), (["tickets:read"], 403)])
def test_partner_keys_need_the_events_scope(api_client, scopes, status):
    EventFactory()
    api_client.force_authenticate(UserFactory(), token=SimpleNamespace(scopes=scopes))
    response = api_client.get("/api/v1/events")
    assert response.status_code == status
    if status == 200:
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert response.json() == error(
            "permission_denied", "The license key does not hold the scope this endpoint needs."
        )


# --- admin --------------------------------------------------------------------------------


def test_admin_lists_searches_and_publishes(client):
    operator = UserFactory(staff=True, is_staff=True, is_superuser=True)
    client.force_login(operator)
    draft = EventFactory(draft=True, title="Owls Live")
    PerformanceFactory(event=draft)
    EventPictureFactory(event=draft)
    listing = client.get("/admin/events/event/", {"q": "owls", "status__exact": "draft"})
    assert listing.status_code == 200
    assert "Owls Live" in listing.content.decode()
    assert client.get(f"/admin/events/event/{draft.pk}/change/").status_code == 200
    client.post("/admin/events/event/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == EventStatus.PUBLISHED
    client.post("/admin/events/event/", {"action": "publish", "_selected_action": [draft.pk]})
    assert draft.status == EventStatus.PUBLISHED
    for page in ("venue", "artist"):
        assert client.get(f"/admin/events/{page}/?q=a").status_code == 200
