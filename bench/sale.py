"""The sale the ticket benchmarks race for: a published event with one ticket type on sale."""

from __future__ import annotations

from datetime import timedelta


def sale_open(*, name: str, seats: int, max_per_order: int = 1,
              max_per_buyer: int | None = None):
    """A venue, its organizer and a published event a month ahead, with one ticket type of
    `seats` on sale since a minute ago. Returns (event, ticket_type). Needs Django set up."""
    from django.utils import timezone
    from django.utils.text import slugify

    from apps.accounts.models import User
    from apps.events.models import Event, EventStatus, Venue
    from apps.tickets.models import TicketType

    now = timezone.now()
    slug = slugify(name)
    organizer = User.objects.create(username=f"{slug}-organizer", role="organizer")
    venue = Venue.objects.create(name=f"{name} hall", slug=f"{slug}-hall", city="Berlin",
                                 country="DE", capacity=100_000)
    event = Event.objects.create(
        title=name, slug=slug, organizer=organizer, venue=venue,
        status=EventStatus.PUBLISHED, published_at=now,
        starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=4),
    )
    limits = {"max_per_buyer": max_per_buyer} if max_per_buyer is not None else {}
    ticket_type = TicketType.objects.create(
        event=event, name="Standing", price="49.00", currency="EUR", capacity=seats,
        sales_start=now - timedelta(minutes=1), sales_end=event.starts_at,
        max_per_order=max_per_order, **limits,
    )
    return event, ticket_type
