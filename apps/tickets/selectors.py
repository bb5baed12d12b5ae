"""Ticketing reads: ticket types of an event, a buyer's orders and tickets, sales figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from apps.accounts.permissions import is_staff, manages_event
from apps.core.errors import NotFound, PermissionDenied
from apps.events.models import Event
from apps.events.selectors import event_get_visible
from apps.tickets import errors
from apps.tickets.models import Order, OrderItem, OrderStatus, Ticket, TicketStatus, TicketType


def event_for_tickets(*, ref: str | int, user, manage: bool = False) -> Event:
    """An event `user` may read, by id or slug (others' drafts are missing); with `manage`,
    one they organize (or any, for staff)."""
    event = event_get_visible(ref=ref, user=user)
    if manage and not manages_event(user, event):
        raise PermissionDenied("Only the event's organizer or staff may do this.")
    return event


def ticket_type_list(*, event: Event) -> QuerySet[TicketType]:
    return TicketType.objects.filter(event=event).select_related("event").order_by("price", "id")


def ticket_type_get(*, event: Event, ticket_type_id: int) -> TicketType:
    ticket_type = ticket_type_list(event=event).filter(pk=ticket_type_id).first()
    if ticket_type is None:
        raise NotFound("Ticket type not found.")
    return ticket_type


def _with_lines(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("ticket_type")),
        Prefetch("tickets", queryset=Ticket.objects.order_by("id")),
    )


def order_list(*, buyer) -> QuerySet[Order]:
    """The buyer's own orders, newest first."""
    return _with_lines(Order.objects.filter(buyer=buyer))


def order_get(*, order_id: int, user) -> Order:
    """The buyer's own order, or any for staff; another buyer's order is reported missing."""
    orders = Order.objects.all() if is_staff(user) else Order.objects.filter(buyer=user)
    order = _with_lines(orders).filter(pk=order_id).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def ticket_list(*, buyer) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(order__buyer=buyer)
        .select_related("ticket_type__event")
        .order_by("-id")
    )


def ticket_get_own(*, ticket_id: int, holder) -> Ticket:
    """A ticket of the holder's own orders; anyone else's is reported missing."""
    ticket = Ticket.objects.filter(pk=ticket_id, order__buyer=holder).first()
    if ticket is None:
        raise NotFound("Ticket not found.")
    return ticket


def ticket_get_for_door(*, ticket_id: int, holder) -> Ticket:
    """The holder's ticket to show at the door: a void one is refused as check-in refuses it,
    so no screen shows a code the door would turn away."""
    ticket = ticket_get_own(ticket_id=ticket_id, holder=holder)
    if ticket.status == TicketStatus.VOID:
        raise errors.TicketVoid()
    return ticket


def event_sales(*, event: Event) -> dict[str, Any]:
    """Per ticket type: capacity, sold, checked in (used) and revenue of confirmed orders;
    and the totals."""
    money = DecimalField(max_digits=14, decimal_places=2)
    confirmed = Q(items__order__status=OrderStatus.CONFIRMED)
    used = (
        Ticket.objects.filter(ticket_type=OuterRef("pk"), status=TicketStatus.USED)
        .order_by().values("ticket_type").annotate(n=Count("pk")).values("n")
    )
    rows = list(
        TicketType.objects.filter(event=event)
        .annotate(
            revenue=Coalesce(
                Sum(F("items__quantity") * F("items__unit_price"), filter=confirmed,
                    output_field=money),
                Value(Decimal("0.00")), output_field=money,
            ),
            checked_in=Coalesce(Subquery(used, output_field=IntegerField()), 0),
        )
        .order_by("price", "id")
    )
    return {
        "event": event.pk,
        "currency": rows[0].currency if rows else None,
        "ticket_types": rows,
        "totals": {
            "capacity": sum(r.capacity for r in rows),
            "sold": sum(r.sold for r in rows),
            "checked_in": sum(r.checked_in for r in rows),
            "revenue": sum((r.revenue for r in rows), Decimal("0.00")),
        },
    }
