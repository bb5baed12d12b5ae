"""Catalogue reads: who sees which events, listings with filters, lookups by slug or id."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.permissions import is_organizer, is_staff
from apps.core.errors import InvalidFields, NotFound
from apps.events.models import Artist, Event, EventPicture, EventStatus, Performance, Venue
from apps.events.validators import slug_reads_as_id


def _by_ref(queryset: QuerySet, ref: str | int, what: str):
    """Looks a row up by id (digits) or slug; slugs are never all digits."""
    lookup = {"pk": int(ref)} if slug_reads_as_id(str(ref)) else {"slug": ref}
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise NotFound(f"No {what} matches '{ref}'.") from None


def _filtered(name: str, data: Any, queryset: QuerySet) -> QuerySet:
    """`queryset` through the filter set `name` of apps.events.filters, which loads (with
    django-filter) when a list is first built, not on a cold start answered from the cache."""
    from apps.events import filters

    filterset = getattr(filters, name)(data=data, queryset=queryset)
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        raise InvalidFields(details=errors)
    return filterset.qs


def event_visible(*, user) -> QuerySet[Event]:
    """Events `user` may read: everything but drafts; organizers add their own drafts;
    staff see every draft."""
    events = Event.objects.all()
    if is_staff(user):
        return events
    public = ~Q(status=EventStatus.DRAFT)
    if is_organizer(user):
        return events.filter(public | Q(organizer=user))
    return events.filter(public)


def _with_details(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.select_related("venue", "organizer").prefetch_related(
        Prefetch("performances", queryset=Performance.objects.select_related("artist")),
        "pictures",
        "ticket_types",  # the "from" price and availability word of the listing
    )


def event_list(*, user, filters: Any = None) -> QuerySet[Event]:
    return _filtered("EventFilter", filters or {}, _with_details(event_visible(user=user)))


def event_get(*, ref: str | int, user) -> Event:
    """An event `user` may read, by id or slug, with its details; others' drafts are
    reported as missing."""
    return _by_ref(_with_details(event_visible(user=user)), ref, "event")


def event_get_visible(*, ref: str | int, user) -> Event:
    """The bare event row of `event_get`: for endpoints about its tickets."""
    return _by_ref(event_visible(user=user), ref, "event")


def performance_list(*, event: Event) -> QuerySet[Performance]:
    return event.performances.select_related("artist")


def performance_get(*, event: Event, performance_id: int) -> Performance:
    return _by_ref(performance_list(event=event), performance_id, "set in this lineup")


def event_picture_get(*, event: Event, picture_id: int) -> EventPicture:
    return _by_ref(EventPicture.objects.filter(event=event), picture_id, "picture of this event")


def venue_list(*, filters: Any = None) -> QuerySet[Venue]:
    return _filtered("VenueFilter", filters or {}, Venue.objects.all())


def venue_get(*, ref: str | int) -> Venue:
    return _by_ref(Venue.objects.all(), ref, "venue")


def artist_list(*, filters: Any = None) -> QuerySet[Artist]:
    return _filtered("ArtistFilter", filters or {}, Artist.objects.all())


def artist_get(*, ref: str | int) -> Artist:
    return _by_ref(Artist.objects.all(), ref, "artist")
