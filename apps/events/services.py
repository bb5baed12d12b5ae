"""Catalogue writes: venues, artists, events and their status workflow, lineup, pictures."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.core.db import retry_on_lock_conflict
from apps.core.errors import InvalidState
from apps.core.instants import iso_utc
from apps.core.models import PictureUpload
from apps.core.picture_uploads import (
    picture_upload_create,
    picture_upload_release,
    picture_upload_store,
    picture_upload_take,
)
from apps.core.pictures import StoredPicture, picture_delete, picture_store
from apps.core.storage import PresignedUpload
from apps.events import public_cache
from apps.events.errors import (
    AlreadyInLineup,
    InUse,
    PictureExists,
    ScheduleInvalid,
    SetOutsideEvent,
    TooManyPictures,
)
from apps.events.models import Artist, Event, EventPicture, EventStatus, Performance, Venue
from apps.events.moments import event_cancelled
from apps.events.validators import slug_reads_as_id

SLUG_ATTEMPTS = 5

P = ParamSpec("P")
R = TypeVar("R")


def catalogue_write(service: Callable[P, R]) -> Callable[P, R]:
    """A catalogue write: one transaction, and once it commits the cached public pages retire.

    Every catalogue service is one, so API, admin and commands invalidate alike. A write
    that only touched a draft retires them too: a few extra cache misses, against a rule
    per service about what the public can see.
    """

    @functools.wraps(service)
    def write(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic():
            result = service(*args, **kwargs)
            public_cache.invalidate()
        return result

    return write


def _free_slug(model: type[models.Model], text: str, fallback: str) -> str:
    base = slugify(text)[:200].strip("-") or fallback
    if slug_reads_as_id(base):
        base = f"{fallback}-{base}"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _create_with_slug(model: type[models.Model], text: str, fallback: str,
                      slug: str | None = None, **fields: Any):
    """Creates a row with a unique slug made from `text`; a concurrent twin retries.

    `slug`: one an operator chose (the admin's form checked it against the model's
    validators and the other rows), used as it is.
    """
    if slug:
        with transaction.atomic():
            return model.objects.create(slug=slug, **fields)
    for attempt in range(SLUG_ATTEMPTS):
        slug = _free_slug(model, text, fallback)
        try:
            with transaction.atomic():
                return model.objects.create(slug=slug, **fields)
        except IntegrityError as exc:
            if "slug" not in str(exc) or attempt == SLUG_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _apply(instance: models.Model, data: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    changed = [f for f in fields if f in data and getattr(instance, f) != data[f]]
    for field in changed:
        setattr(instance, field, data[field])
    return changed


# --- venues and artists -----------------------------------------------------------------

# Slugs (and an event's organizer) change only in the admin: the API's serializers never
# send them.
VENUE_FIELDS = ("name", "slug", "city", "address", "country", "timezone", "capacity")
ARTIST_FIELDS = ("name", "slug", "bio", "genre")


@catalogue_write
def venue_create(*, created_by, name: str, city: str, country: str, capacity: int,
                 address: str = "", timezone: str = "UTC", slug: str | None = None) -> Venue:
    venue = _create_with_slug(
        Venue, f"{name} {city}", "venue", slug, created_by=created_by, name=name, city=city,
        country=country, capacity=capacity, address=address, timezone=timezone,
    )
    return venue


def _save_changes(entry: models.Model, data: dict[str, Any], fields: tuple[str, ...]):
    changed = _apply(entry, data, fields)
    if changed:
        entry.save(update_fields=[*changed, "updated_at"])
    return entry


def _delete_unused(entry: models.Model, message: str) -> None:
    try:
        with transaction.atomic():
            entry.delete()
    except (models.ProtectedError, IntegrityError):
        # ProtectedError from the ORM's check; IntegrityError from the foreign key when a
        # concurrent insert refers to the entry after that check.
        raise InUse(message) from None


@catalogue_write
def venue_update(*, venue: Venue, data: dict[str, Any]) -> Venue:
    return _save_changes(venue, data, VENUE_FIELDS)


@catalogue_write
def venue_delete(*, venue: Venue) -> None:
    _delete_unused(venue, "Events take place at this venue; it cannot be deleted.")


@catalogue_write
def artist_create(*, created_by, name: str, bio: str = "", genre: str = "",
                  slug: str | None = None) -> Artist:
    artist = _create_with_slug(
        Artist, name, "artist", slug, created_by=created_by, name=name, bio=bio, genre=genre
    )
    return artist


@catalogue_write
def artist_update(*, artist: Artist, data: dict[str, Any]) -> Artist:
    return _save_changes(artist, data, ARTIST_FIELDS)


@catalogue_write
def artist_delete(*, artist: Artist) -> None:
    _delete_unused(artist, "This artist is in the lineup of an event; it cannot be deleted.")


# --- events -------------------------------------------------------------------------------

EVENT_FIELDS = ("title", "slug", "description", "organizer", "venue", "starts_at", "ends_at")
EDITABLE_STATUSES = (EventStatus.DRAFT, EventStatus.PUBLISHED)
# Buyers cancel until the event starts: a published event with sales is moved earlier only
# to a start at least this far away, so they keep time to decide.
RESCHEDULE_NOTICE = timedelta(hours=24)
# How far ahead an event's dates may be set: 3 years (and a leap day). A date past it is a
# slip of the keyboard (2062 for 2026, the year 9999) far more often than a plan.
EVENT_HORIZON = timedelta(days=1096)
EVENT_HORIZON_YEARS = EVENT_HORIZON.days // 365


def _check_schedule(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ScheduleInvalid(details={"ends_at": ["Must be after starts_at."]})


def _locked(event: Event) -> Event:
    """The event's row, locked until the transaction ends: status changes, schedule changes
    and lineup changes of one event run one at a time."""
    # The lock alone first: FOR UPDATE on a join would lock the venue's and the organizer's
    # rows too, and a check-in by the organizer (its foreign key share-locks their row)
    # would then deadlock with an event cancellation voiding that ticket.
    Event.objects.select_for_update().filter(pk=event.pk).values_list("pk").get()
    return Event.objects.select_related("venue", "organizer").get(pk=event.pk)


def _require_status(event: Event, status: EventStatus, done: str) -> None:
    if event.status != status:
        raise InvalidState(f"Only {status} events can be {done}; this one is {event.status}.")


def _require_editable(event: Event) -> None:
    if event.status not in EDITABLE_STATUSES:
        raise InvalidState(f"A {event.status} event can no longer be changed.")


@catalogue_write
def event_create(*, organizer, venue: Venue, title: str, starts_at: datetime,
                 ends_at: datetime, description: str = "", slug: str | None = None) -> Event:
    event_schedule_check(event=None, starts_at=starts_at, ends_at=ends_at)
    event = _create_with_slug(
        Event, title, "event", slug, organizer=organizer, venue=venue, title=title,
        description=description, starts_at=starts_at, ends_at=ends_at,
    )
    return event


def event_schedule_check(*, event: Event | None, starts_at: datetime,
                         ends_at: datetime) -> None:
    """The rules of an event's dates, for a new event (`event` None) or one moved (`event`
    as stored, the new times given):
    - it ends after it starts;
    - a date set (each of a new event, each one changed) is at most EVENT_HORIZON ahead;
    - a start set is in the future; a date left as it is is not judged again, so an event
      under way keeps its other fields editable;
    - a published event keeps its dates once it has started;
    - a published event with tickets sold moves earlier only to a start at least
      RESCHEDULE_NOTICE away, so its buyers keep the right to cancel;
    - no ticket type's sales end after the event does.
    """
    _check_schedule(starts_at, ends_at)
    stored = {} if event is None else {"starts_at": event.starts_at, "ends_at": event.ends_at}
    given = {"starts_at": starts_at, "ends_at": ends_at}
    changed = {name: value for name, value in given.items() if stored.get(name) != value}
    if not changed:
        return
    now = timezone.now()
    latest = now + EVENT_HORIZON
    too_far = {name: [f"Must not be after {iso_utc(latest)}."]
               for name, value in changed.items() if value > latest}
    if too_far:
        raise ScheduleInvalid(
            f"An event can be set at most {EVENT_HORIZON_YEARS} years ahead.", details=too_far)
    if "starts_at" in changed and starts_at <= now:
        raise ScheduleInvalid(
            "An event cannot start in the past." if event is None
            else "An event cannot be moved into the past.",
            details={"starts_at": [f"Must be after {iso_utc(now)}."]})
    if event is None:
        return
    if event.status == EventStatus.PUBLISHED and starts_at <= now:
        raise ScheduleInvalid("A published event keeps its dates once it has started.",
                              details={"ends_at": [f"The event started at "
                                                   f"{iso_utc(starts_at)}."]})
    if (event.status == EventStatus.PUBLISHED and starts_at < event.starts_at
            and starts_at < now + RESCHEDULE_NOTICE
            and event.ticket_types.filter(sold__gt=0).exists()):
        earliest = iso_utc(now + RESCHEDULE_NOTICE)
        raise ScheduleInvalid(
            "Tickets are sold: the event may move earlier only to a start at least "
            f"{RESCHEDULE_NOTICE.total_seconds() / 3600:g} hours away, so buyers can still "
            "cancel.", details={"starts_at": [f"Must not be before {earliest}."]})
    late = sorted(event.ticket_types.filter(sales_end__gt=ends_at).values_list("pk", flat=True))
    if late:
        raise ScheduleInvalid(
            "Ticket sales would end after the event: end them earlier first.",
            details={"ends_at": [f"Ticket types {late} sell until after it."],
                     "ticket_types": late})


@catalogue_write
def event_update(*, event: Event, data: dict[str, Any]) -> Event:
    # The row lock also holds ticket-type changes (they lock it too) until this commits.
    event = _locked(event)
    _require_editable(event)
    event_schedule_check(event=event, starts_at=data.get("starts_at", event.starts_at),
                         ends_at=data.get("ends_at", event.ends_at))
    changed = _apply(event, data, EVENT_FIELDS)
    if {"starts_at", "ends_at"} & set(changed):
        outside = event.performances.filter(
            models.Q(starts_at__lt=event.starts_at) | models.Q(ends_at__gt=event.ends_at)
        )
        if outside.exists():
            raise SetOutsideEvent(
                "The new schedule leaves sets of the lineup outside the event.",
                details={"performances": sorted(outside.values_list("pk", flat=True))},
            )
    if changed:
        event.save(update_fields=[*changed, "updated_at"])
    return event


def organizer_renamed(*, user_id: int) -> None:
    """Public pages show organizers by name: they retire when an organizer of a public
    event changes it."""
    if Event.objects.filter(organizer_id=user_id).exclude(status=EventStatus.DRAFT).exists():
        public_cache.invalidate()


@catalogue_write
def event_publish(*, event: Event) -> Event:
    event = _locked(event)
    _require_status(event, EventStatus.DRAFT, "published")
    now = timezone.now()
    if event.starts_at <= now:
        raise InvalidState("An event that has already started cannot be published.")
    event.status, event.published_at = EventStatus.PUBLISHED, now
    event.save(update_fields=["status", "published_at", "updated_at"])
    return event


@retry_on_lock_conflict(busy_message="Too many changes to this event at once; try again.")
@catalogue_write
def event_cancel(*, event: Event) -> Event:
    """Cancels a published event and, in the same transaction, every order for it."""
    event = _locked(event)
    _require_status(event, EventStatus.PUBLISHED, "cancelled")
    event.status, event.cancelled_at = EventStatus.CANCELLED, timezone.now()
    event.save(update_fields=["status", "cancelled_at", "updated_at"])
    event_cancelled.run(event=event)
    return event


@catalogue_write
def event_complete(*, event: Event) -> Event:
    event = _locked(event)
    _require_status(event, EventStatus.PUBLISHED, "completed")
    if event.ends_at > timezone.now():
        raise InvalidState("An event can be completed only once it has ended.")
    event.status = EventStatus.COMPLETED
    event.save(update_fields=["status", "updated_at"])
    return event


@catalogue_write
def event_delete(*, event: Event) -> None:
    """Deletes a draft. An event that was ever published may have sold tickets: it is
    cancelled instead, never deleted."""
    event = _locked(event)
    if event.status != EventStatus.DRAFT or event.published_at is not None:
        raise InvalidState("Only draft events can be deleted; cancel a published event instead.")
    names = _picture_names(event.pictures.all())
    event.delete()
    _delete_files_on_commit(names)


# --- lineup -------------------------------------------------------------------------------

PERFORMANCE_FIELDS = ("artist", "starts_at", "ends_at", "order")


def _check_set(event: Event, performance: Performance) -> None:
    _check_schedule(performance.starts_at, performance.ends_at)
    if performance.starts_at < event.starts_at or performance.ends_at > event.ends_at:
        raise SetOutsideEvent(
            details={"event": {"starts_at": iso_utc(event.starts_at),
                               "ends_at": iso_utc(event.ends_at)}}
        )


def _save_set(performance: Performance, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            performance.save(**kwargs)
    except IntegrityError as exc:
        if Performance.objects.filter(
            event_id=performance.event_id, artist_id=performance.artist_id
        ).exclude(pk=performance.pk).exists():
            raise AlreadyInLineup() from exc
        raise


@catalogue_write
def performance_create(*, event: Event, artist: Artist, starts_at: datetime,
                       ends_at: datetime, order: int = 0) -> Performance:
    # The event row lock keeps a concurrent schedule change from moving the event away
    # from this set between the check and the insert: the rule spans two tables, which a
    # check constraint cannot read.
    event = _locked(event)
    _require_editable(event)
    performance = Performance(
        event=event, artist=artist, starts_at=starts_at, ends_at=ends_at, order=order
    )
    _check_set(event, performance)
    _save_set(performance)
    return performance


@catalogue_write
def performance_update(*, performance: Performance, data: dict[str, Any]) -> Performance:
    event = _locked(performance.event)
    _require_editable(event)
    changed = _apply(performance, data, PERFORMANCE_FIELDS)
    _check_set(event, performance)
    if changed:
        _save_set(performance, update_fields=[*changed, "updated_at"])
    return performance


@catalogue_write
def performance_delete(*, performance: Performance) -> None:
    event = _locked(performance.event)
    _require_editable(event)
    performance.delete()


# --- pictures -----------------------------------------------------------------------------

MAX_PICTURES = 20


def event_picture_room_check(*, event: Event) -> None:
    """Raises unless `event` may take one more picture: still editable, gallery not full."""
    _require_editable(event)
    _require_gallery_room(event)


def _require_gallery_room(event: Event) -> None:
    if event.pictures.count() >= MAX_PICTURES:
        raise TooManyPictures(details={"max_pictures": MAX_PICTURES})


def _pictures_folder(event: Event) -> str:
    return f"events/{event.pk}"


def event_picture_upload_create(
    *, event: Event, owner: Any, content_type: str
) -> tuple[PictureUpload, PresignedUpload]:
    """A presigned POST for one picture of `event`, while it may take one; `owner` (its
    organizer, or staff) adds it with event_picture_add_uploaded."""
    event_picture_room_check(event=event)
    return picture_upload_create(owner=owner, prefix=_pictures_folder(event),
                                 content_type=content_type)


def event_picture_add_uploaded(*, event: Event, owner: Any, upload_id: UUID) -> EventPicture:
    """Adds the picture `owner` posted to one of their uploads for `event` (validated like
    avatars) at the end of the gallery; the upload serves once."""
    _require_editable(event)
    # Decoding and re-encoding take a while: done before the event row is locked.
    upload, stored = picture_upload_store(owner=owner, upload_id=upload_id,
                                          prefix=_pictures_folder(event))
    return _event_picture_insert_or_discard(event=event, stored=stored, upload=upload)


def event_picture_add(*, event: Event, upload: Any) -> EventPicture:
    """Adds a picture sent with the request (the admin's form) at the end of the gallery."""
    _require_editable(event)
    stored = picture_store(upload=upload, prefix=_pictures_folder(event))
    return _event_picture_insert_or_discard(event=event, stored=stored)


def _event_picture_insert_or_discard(
    *, event: Event, stored: StoredPicture, upload: PictureUpload | None = None
) -> EventPicture:
    try:
        return _event_picture_insert(event=event, stored=stored, upload=upload)
    except BaseException:
        _discard_unreferenced([stored.name, stored.thumbnail_name])
        if upload is not None:
            picture_upload_release(upload=upload)
        raise


@catalogue_write
def _event_picture_insert(
    *, event: Event, stored: StoredPicture, upload: PictureUpload | None
) -> EventPicture:
    event = _locked(event)
    _require_editable(event)
    if upload is not None:
        picture_upload_take(upload=upload)
    pictures = event.pictures.all()
    if pictures.filter(name=stored.name).exists():
        raise PictureExists()
    _require_gallery_room(event)
    last = pictures.aggregate(last=models.Max("position"))["last"]
    picture = EventPicture.objects.create(
        event=event, name=stored.name, thumbnail_name=stored.thumbnail_name,
        width=stored.width, height=stored.height, content_type=stored.content_type,
        position=0 if last is None else last + 1,
    )
    return picture


@catalogue_write
def event_picture_delete(*, picture: EventPicture) -> None:
    _locked(picture.event)
    picture.delete()
    _delete_files_on_commit(_picture_names([picture]))



def _picture_names(pictures) -> list[str]:
    return [name for p in pictures for name in (p.name, p.thumbnail_name)]


def _delete_files_on_commit(names: list[str]) -> None:
    if not names:
        return
    # Files go only once the rows are gone for good: a rollback keeps both.
    transaction.on_commit(lambda: picture_delete(names=names))


def _discard_unreferenced(names: list[str]) -> None:
    # Picture names come from the content: an identical picture already in the gallery
    # shares these files and keeps them.
    referenced = EventPicture.objects.filter(
        models.Q(name__in=names) | models.Q(thumbnail_name__in=names)
    ).values_list("name", "thumbnail_name")
    keep = {name for pair in referenced for name in pair}
    picture_delete(names=[name for name in names if name not in keep])
