"""Catalogue services: slugs, the status workflow, schedules and lineup, pictures, demo data."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, close_old_connections, connection
from django.utils import timezone

from apps.core.errors import InvalidState
from apps.events import services
from apps.events.errors import AlreadyInLineup, InUse, ScheduleInvalid, SetOutsideEvent
from apps.events.models import Artist, Event, EventStatus, Performance, Venue
from apps.tickets.models import TicketType
from tests.accounts.factories import UserFactory
from tests.events.factories import (
    ArtistFactory,
    EventFactory,
    EventPictureFactory,
    PerformanceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def _new_event(title: str, **kwargs) -> Event:
    start = timezone.now() + timedelta(days=10)
    return services.event_create(
        organizer=kwargs.pop("organizer", None) or UserFactory(organizer=True),
        venue=kwargs.pop("venue", None) or VenueFactory(), title=title,
        starts_at=start, ends_at=start + timedelta(hours=3), **kwargs,
    )


def test_slugs_come_from_names_and_stay_unique():
    first, second = _new_event("Rock am Ring!"), _new_event("Rock am Ring!")
    assert (first.slug, second.slug) == ("rock-am-ring", "rock-am-ring-2")
    # All-digit slugs would read as ids; names without latin letters still get one.
    assert _new_event("1999").slug == "event-1999"
    assert _new_event("Концерт").slug == "event"
    venue = services.venue_create(created_by=None, name="Roundhouse", city="London",
                                  country="GB", capacity=3300)
    artist = services.artist_create(created_by=None, name="Sigur Rós")
    assert (venue.slug, artist.slug) == ("roundhouse-london", "sigur-ros")


def test_a_new_event_is_a_draft_with_a_valid_schedule():
    event = _new_event("Opening night")
    assert (event.status, event.published_at) == (EventStatus.DRAFT, None)
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ScheduleInvalid):
        services.event_create(organizer=event.organizer, venue=event.venue, title="Backwards",
                              starts_at=start, ends_at=start - timedelta(minutes=1))


def test_the_database_refuses_what_services_would_refuse():
    event = EventFactory()
    with pytest.raises(IntegrityError):
        Event.objects.filter(pk=event.pk).update(ends_at=event.starts_at)


@pytest.mark.parametrize(
    ("status", "service", "allowed"),
    [
        (EventStatus.DRAFT, services.event_publish, True),
        (EventStatus.PUBLISHED, services.event_publish, False),
        (EventStatus.CANCELLED, services.event_publish, False),
        (EventStatus.PUBLISHED, services.event_cancel, True),
        (EventStatus.DRAFT, services.event_cancel, False),
        (EventStatus.COMPLETED, services.event_cancel, False),
        (EventStatus.CANCELLED, services.event_cancel, False),
        (EventStatus.DRAFT, services.event_complete, False),
        (EventStatus.CANCELLED, services.event_complete, False),
    ],
)
def test_status_workflow(status, service, allowed):
    event = EventFactory(status=status)
    if allowed:
        assert service(event=event).status != status
    else:
        with pytest.raises(InvalidState):
            service(event=event)
        event.refresh_from_db()
        assert event.status == status


def test_publish_stamps_the_time_and_completion_waits_for_the_end():
    event = services.event_publish(event=EventFactory(draft=True))
    assert event.status == EventStatus.PUBLISHED
    assert timezone.now() - event.published_at < timedelta(seconds=5)
    with pytest.raises(InvalidState, match="once it has ended"):
        services.event_complete(event=event)
    past = EventFactory(starts_at=timezone.now() - timedelta(days=2))
    assert services.event_complete(event=past).status == EventStatus.COMPLETED
    with pytest.raises(InvalidState, match="already started"):
        services.event_publish(event=EventFactory(draft=True, starts_at=past.starts_at))


def test_cancel_stamps_the_time():
    event = services.event_cancel(event=EventFactory())
    assert event.status == EventStatus.CANCELLED
    assert event.cancelled_at is not None


def test_only_never_published_drafts_are_deleted(django_capture_on_commit_callbacks, settings):
    draft = EventFactory(draft=True)
    picture = EventPictureFactory(event=draft)
    stored = settings.MEDIA_ROOT / picture.name
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"x")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_delete(event=draft)
    assert not Event.objects.filter(pk=draft.pk).exists()
    assert not stored.exists()
    for event in (EventFactory(), EventFactory(cancelled=True)):
        with pytest.raises(InvalidState, match="cancel a published event instead"):
            services.event_delete(event=event)
        assert Event.objects.filter(pk=event.pk).exists()


def test_sets_fall_inside_their_event():
    event = EventFactory()
    artist = ArtistFactory()
    with pytest.raises(SetOutsideEvent):
        services.performance_create(event=event, artist=artist,
                                    starts_at=event.starts_at - timedelta(minutes=1),
                                    ends_at=event.starts_at + timedelta(hours=1))
    with pytest.raises(ScheduleInvalid):
        services.performance_create(event=event, artist=artist, starts_at=event.ends_at,
                                    ends_at=event.starts_at)
    show = services.performance_create(event=event, artist=artist, starts_at=event.starts_at,
                                       ends_at=event.ends_at, order=1)
    with pytest.raises(AlreadyInLineup):
        services.performance_create(event=event, artist=artist, starts_at=event.starts_at,
                                    ends_at=event.ends_at)
    # Moving the event must keep its sets inside.
    with pytest.raises(SetOutsideEvent) as error:
        services.event_update(event=event, data={"ends_at": event.ends_at - timedelta(hours=1)})
    assert error.value.details == {"performances": [show.pk]}
    services.performance_update(performance=show,
                                data={"ends_at": event.starts_at + timedelta(hours=1)})
    earlier_end = event.ends_at - timedelta(hours=1)
    assert services.event_update(event=event, data={"ends_at": earlier_end}).ends_at == earlier_end


def test_no_event_starts_in_the_past_or_past_the_horizon():
    organizer, venue = UserFactory(organizer=True), VenueFactory()
    past = timezone.now() - timedelta(hours=2)
    far = timezone.now() + services.EVENT_HORIZON + timedelta(minutes=1)
    refusals = {}
    for when in (past, far):
        with pytest.raises(ScheduleInvalid) as error:
            services.event_create(organizer=organizer, venue=venue, title="Someday",
                                  starts_at=when, ends_at=when + timedelta(hours=1))
        refusals[when] = (error.value.message, list(error.value.details))
    for event in (EventFactory(), EventFactory(draft=True)):
        with pytest.raises(ScheduleInvalid) as error:
            services.event_update(event=event, data={"starts_at": past,
                                                     "ends_at": past + timedelta(hours=1)})
        refusals[event.status] = (error.value.message, list(error.value.details))
        with pytest.raises(ScheduleInvalid) as error:  # a long event ends past it too
            services.event_update(event=event, data={"ends_at": far})
        refusals[event.status, "end"] = (error.value.message, list(error.value.details))

    assert refusals == {
        past: ("An event cannot start in the past.", ["starts_at"]),
        far: ("An event can be set at most 3 years ahead.", ["starts_at", "ends_at"]),
        "published": ("An event cannot be moved into the past.", ["starts_at"]),
        "draft": ("An event cannot be moved into the past.", ["starts_at"]),
        ("published", "end"): ("An event can be set at most 3 years ahead.", ["ends_at"]),
        ("draft", "end"): ("An event can be set at most 3 years ahead.", ["ends_at"]),
    }
    assert not Event.objects.filter(title="Someday").exists()


def test_an_event_under_way_stays_editable_and_a_published_one_keeps_its_dates():
    """Dates left as they are are not judged again: the start of an event under way (in
    the past by now) does not stop a new title, nor a draft's later end."""
    started = timezone.now() - timedelta(hours=1)
    published = EventFactory(starts_at=started)
    draft = EventFactory(draft=True, starts_at=started)

    renamed = services.event_update(event=published, data={"title": "Encore",
                                                           "starts_at": started})
    longer = services.event_update(event=draft, data={"ends_at": draft.ends_at
                                                      + timedelta(hours=1)})
    with pytest.raises(ScheduleInvalid) as error:
        services.event_update(event=published, data={"ends_at": published.ends_at
                                                     + timedelta(hours=1)})

    assert (renamed.title, renamed.starts_at) == ("Encore", started)
    assert longer.ends_at == started + timedelta(hours=5)
    assert error.value.message == "A published event keeps its dates once it has started."
    published.refresh_from_db()
    assert published.ends_at == started + timedelta(hours=4)


def test_with_tickets_sold_an_event_moves_earlier_only_with_notice_for_its_buyers():
    from tests.tickets.factories import TicketTypeFactory, make_order

    ticket_type = TicketTypeFactory(sales_end=timezone.now() + timedelta(hours=1))
    event = ticket_type.event
    order = make_order(ticket_type=ticket_type)
    soon = timezone.now() + timedelta(hours=3)

    with pytest.raises(ScheduleInvalid) as error:
        services.event_update(event=event, data={"starts_at": soon,
                                                 "ends_at": soon + timedelta(hours=2)})
    assert error.value.message.startswith("Tickets are sold: the event may move earlier only "
                                          "to a start at least 24 hours away")
    later = timezone.now() + timedelta(days=2)
    services.event_update(event=event, data={"starts_at": later,
                                             "ends_at": later + timedelta(hours=2)})
    later_still = event.starts_at + timedelta(days=60)
    services.event_update(event=event, data={"starts_at": later_still,
                                             "ends_at": later_still + timedelta(hours=2)})

    from apps.tickets.services import order_cancel

    # The buyer keeps the right to cancel after the reschedule.
    assert order_cancel(order=order, actor=order.buyer).status == "cancelled"


def test_ticket_sales_never_end_after_the_event():
    from tests.tickets.factories import TicketTypeFactory

    event = EventFactory()
    early = TicketTypeFactory(event=event, sales_end=event.starts_at - timedelta(days=1))
    late = TicketTypeFactory(event=event, sales_end=event.ends_at)

    with pytest.raises(ScheduleInvalid) as error:
        services.event_update(event=event, data={"ends_at": event.ends_at - timedelta(hours=1)})

    assert error.value.details["ticket_types"] == [late.pk]
    assert early.pk not in error.value.details["ticket_types"]
    event.refresh_from_db()
    assert event.ends_at == late.sales_end


def test_finished_events_are_frozen():
    event = EventFactory(cancelled=True)
    performance = PerformanceFactory(event=event)
    with pytest.raises(InvalidState):
        services.event_update(event=event, data={"title": "Renamed"})
    with pytest.raises(InvalidState):
        services.performance_delete(performance=performance)


def test_venues_and_artists_in_use_are_kept():
    performance = PerformanceFactory()
    with pytest.raises(InUse):
        services.venue_delete(venue=performance.event.venue)
    with pytest.raises(InUse):
        services.artist_delete(artist=performance.artist)
    services.artist_delete(artist=ArtistFactory())
    services.venue_delete(venue=VenueFactory())
    assert (Venue.objects.count(), Artist.objects.count()) == (1, 1)


def test_seed_demo_is_idempotent_fast_and_has_tickets_on_sale(settings, tmp_path):
    settings.DEMO_ENV_FILE = str(tmp_path / "demo.env")
    started = time.perf_counter()
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--base-url", "http://demo.test:9000", stdout=out)
    assert time.perf_counter() - started < 6  # two runs
    counts = (Venue.objects.count(), Artist.objects.count(), Event.objects.count(),
              Performance.objects.count(), TicketType.objects.count())
    assert counts == (6, 10, 9, 15, 12)
    assert {e.status for e in Event.objects.all()} == {"draft", "published", "cancelled"}
    assert {v.city for v in Venue.objects.all()} == {"Berlin", "London", "Lisbon", "New York"}
    for performance in Performance.objects.select_related("event"):
        assert performance.event.starts_at <= performance.starts_at
        assert performance.ends_at <= performance.event.ends_at
    on_sale = {tt.event.title for tt in TicketType.objects.select_related("event")
               if tt.availability == "on_sale"}
    assert len(on_sale) == 6  # every published event sells something now
    exports = dict(line.removeprefix("export ").split("=", 1)
                   for line in (tmp_path / "demo.env").read_text().splitlines())
    assert set(exports) == {"FAN_TOKEN", "ORGANIZER_TOKEN", "STAFF_TOKEN", "DEMO_EVENT",
                            "DEMO_TICKET_TYPE"}
    assert "curl -s -X POST http://demo.test:9000/api/v1/orders" in out.getvalue()


def test_seed_demo_refuses_production_mode(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="not in production mode"):
        call_command("seed_demo", stdout=io.StringIO())
    assert Event.objects.count() == 0


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_a_schedule_change_and_a_new_set_cannot_both_win():
    """The rule spans two tables: the event row lock orders the two writers, so the set
    that the shorter schedule would leave outside is either refused or refuses the change."""
    event = EventFactory()
    artist = ArtistFactory()
    late_set = {"starts_at": event.ends_at - timedelta(hours=1), "ends_at": event.ends_at}
    shorter = {"ends_at": event.ends_at - timedelta(hours=2)}
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, action):
        try:
            barrier.wait()
            action()
            outcomes[name] = "ok"
        except (SetOutsideEvent, InvalidState) as exc:
            outcomes[name] = type(exc).__name__
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=run, args=("set", lambda: services.performance_create(
            event=Event.objects.get(pk=event.pk), artist=artist, **late_set))),
        threading.Thread(target=run, args=("schedule", lambda: services.event_update(
            event=Event.objects.get(pk=event.pk), data=shorter))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes.values()) == ["SetOutsideEvent", "ok"]
    event.refresh_from_db()
    assert not event.performances.filter(ends_at__gt=event.ends_at).exists()
