"""What the public sees of ticket sales: one availability word per ticket type and per event.

Exact figures (capacity, sold) stay with the organizer; everyone else reads a word. The rules
read only a ticket type's own fields (price, capacity, sold, sales window, its event's status),
so the catalogue's pages and the ticket-type endpoints share them without importing ticketing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models

# "few left": at most a tenth of the capacity is left (and at least one ticket).
FEW_LEFT_SHARE = 10


class Availability(models.TextChoices):
    ON_SALE = "on_sale", "On sale"
    FEW_LEFT = "few_left", "Few left"
    SOLD_OUT = "sold_out", "Sold out"
    NOT_YET = "not_yet", "Not on sale yet"
    ENDED = "ended", "Sales ended"


# The order an event's summary prefers: the most useful word among its ticket types.
SUMMARY_ORDER = (Availability.ON_SALE, Availability.FEW_LEFT, Availability.NOT_YET,
                 Availability.SOLD_OUT, Availability.ENDED)
BUYABLE = frozenset({Availability.ON_SALE, Availability.FEW_LEFT, Availability.NOT_YET})


def few_left(*, capacity: int, sold: int) -> bool:
    """Whether what is left (above zero) is within the "few left" share of the capacity."""
    return 0 < capacity - sold <= max(capacity // FEW_LEFT_SHARE, 1)


def of_ticket_type(ticket_type: Any, now: datetime) -> Availability:
    """The word for one ticket type at `now` (its `event` must be loaded)."""
    status = ticket_type.event.status
    if status in ("cancelled", "completed"):
        return Availability.ENDED
    if status == "draft" or now < ticket_type.sales_start:
        return Availability.NOT_YET
    if now >= ticket_type.sales_end:
        return Availability.ENDED
    if ticket_type.sold >= ticket_type.capacity:
        return Availability.SOLD_OUT
    if few_left(capacity=ticket_type.capacity, sold=ticket_type.sold):
        return Availability.FEW_LEFT
    return Availability.ON_SALE


def summary(ticket_types: Iterable[Any], now: datetime) -> dict[str, Any] | None:
    """An event's "from" price (the lowest still buyable, else the lowest), its currency and
    the most useful availability word; None without ticket types."""
    words = [(of_ticket_type(tt, now), tt) for tt in ticket_types]
    if not words:
        return None
    buyable = [tt.price for word, tt in words if word in BUYABLE]
    price_from: Decimal = min(buyable or [tt.price for _, tt in words])
    found = {word for word, _ in words}
    return {
        "price_from": price_from,
        "currency": words[0][1].currency,
        "availability": next(word for word in SUMMARY_ORDER if word in found),
    }
