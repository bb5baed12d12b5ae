"""Ticketing writes: ticket types, orders that never oversell, cancellations and check-in.

Capacity lives in `TicketType.sold`, which only moves through conditional updates
(`sold + n <= capacity`) at the end of the order transaction, after the order, its items
and tickets are written, taken in ticket-type id order so two orders never wait on each
other crosswise. The database refuses what slips through anyway (check constraint
`sold <= capacity`).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from apps.core.db import retry_on_lock_conflict
from apps.core.errors import NotFound
from apps.core.instants import iso_utc
from apps.events import availability, public_cache
from apps.events.models import Event, EventStatus
from apps.tickets import errors
from apps.tickets.models import (
    IdempotencyKey,
    Order,
    OrderItem,
    OrderStatus,
    Ticket,
    TicketStatus,
    TicketType,
)

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
TICKET_CODE_BYTES = 18  # 24 URL-safe characters, 144 random bits

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class OrderLine:
    ticket_type_id: int
    quantity: int


# Ticket types -----------------------------------------------------------------------------


def ticket_type_create(
    *,
    event: Event,
    name: str,
    price: Decimal,
    currency: str,
    capacity: int,
    sales_start: datetime,
    sales_end: datetime,
    max_per_order: int = 10,
    max_per_buyer: int | None = None,
    description: str = "",
) -> TicketType:
    with transaction.atomic():
        event = _event_lock_for_change(event.pk)
        _require_sales_window(event=event, sales_start=sales_start, sales_end=sales_end)
        _require_event_currency(event=event, currency=currency)
        if TicketType.objects.filter(event=event, name=name).exists():
            raise errors.TicketTypeNameTaken(details={"name": name})
        public_cache.invalidate()
        return TicketType.objects.create(
            event=event, name=name, description=description, price=price, currency=currency,
            capacity=capacity, sales_start=sales_start, sales_end=sales_end,
            max_per_order=max_per_order, max_per_buyer=max_per_buyer,
        )


def ticket_type_update(*, ticket_type: TicketType, data: dict[str, Any]) -> TicketType:
    """Price and currency are locked once a ticket is sold (buyers paid that price);
    capacity can shrink down to what is sold. Both hold under concurrent orders because the
    update itself carries the condition."""
    editable = {"name", "description", "price", "currency", "capacity", "sales_start",
                "sales_end", "max_per_order", "max_per_buyer"}
    with transaction.atomic():
        event = _event_lock_for_change(ticket_type.event_id)
        current = TicketType.objects.get(pk=ticket_type.pk)
        changes = {k: v for k, v in data.items() if k in editable and getattr(current, k) != v}
        if not changes:
            return current
        if "sales_start" in changes or "sales_end" in changes:
            _require_sales_window(
                event=event,
                sales_start=changes.get("sales_start", current.sales_start),
                sales_end=changes.get("sales_end", current.sales_end),
            )
        if "currency" in changes:
            _require_event_currency(event=event, currency=changes["currency"],
                                    exclude_pk=current.pk)
        if "name" in changes and TicketType.objects.filter(
            event=event, name=changes["name"]
        ).exclude(pk=current.pk).exists():
            raise errors.TicketTypeNameTaken(details={"name": changes["name"]})

        conditions: dict[str, Any] = {"pk": current.pk}
        if "price" in changes or "currency" in changes:
            conditions["sold"] = 0
        if "capacity" in changes:
            conditions["sold__lte"] = changes["capacity"]
        updated = TicketType.objects.filter(**conditions).update(
            **changes, updated_at=timezone.now()
        )
        if not updated:
            current.refresh_from_db(fields=["sold"])
            if "sold" in conditions and current.sold:
                raise errors.PriceLocked(details={"sold": current.sold})
            raise errors.CapacityBelowSold(details={"sold": current.sold})
        public_cache.invalidate()
        current.refresh_from_db()
        return current


def ticket_type_delete(*, ticket_type: TicketType) -> None:
    with transaction.atomic():
        _event_lock_for_change(ticket_type.event_id)
        if OrderItem.objects.filter(ticket_type_id=ticket_type.pk).exists():
            raise errors.TicketTypeInUse()
        TicketType.objects.filter(pk=ticket_type.pk).delete()
        public_cache.invalidate()


def _event_lock_for_change(event_id: int) -> Event:
    """Locks the event row: ticket-type changes wait for orders in flight (they hold a
    shared lock on it) and the one-currency and unique-name checks cannot race."""
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise NotFound("Event not found.")
    if event.status in (EventStatus.CANCELLED, EventStatus.COMPLETED):
        raise errors.EventClosed(details={"status": event.status})
    return event


def _require_sales_window(*, event: Event, sales_start: datetime, sales_end: datetime) -> None:
    if sales_end <= sales_start:
        raise errors.InvalidSalesWindow(
            details={"sales_end": ["Must be after sales_start."]}
        )
    if sales_end > event.ends_at:
        ends = iso_utc(event.ends_at)
        raise errors.InvalidSalesWindow(
            details={"sales_end": [f"Must not be after the event ends ({ends})."]}
        )


def _require_event_currency(*, event: Event, currency: str, exclude_pk: int | None = None) -> None:
    if not CURRENCY_CODE.match(currency):
        raise errors.CurrencyMismatch("Currency must be an ISO 4217 code such as EUR.",
                                      details={"currency": currency})
    others = TicketType.objects.filter(event=event).exclude(currency=currency)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.values_list("currency", flat=True).first()
    if existing is not None:
        raise errors.CurrencyMismatch(details={"currency": existing})


# Orders -----------------------------------------------------------------------------------


@retry_on_lock_conflict(busy_message="Too many orders at once; try again.")
def order_create(
    *,
    buyer,
    event_id: int,
    lines: Iterable[OrderLine],
    idempotency_key: str | None = None,
) -> tuple[Order, bool]:
    """Sells the lines of one published event in one transaction.

    Returns (order, created). With an idempotency key a repeated request returns the order
    the first one made (created False); a concurrent twin waits for the first transaction
    on the buyer's row and then reads its order. Failed attempts leave no key behind, so a
    request refused (sold out, say) may be retried with the same key.

    Locks, in this order: the buyer's row (one buyer's orders are placed one at a time, which
    keeps `max_per_buyer` exact; it comes first because the key's and the order's foreign
    keys share-lock that row), the event's row shared, and last each ticket type's row, for
    its conditional update and the commit only.
    """
    lines = _merge_lines(lines)
    now = timezone.now()
    fingerprint = _fingerprint(event_id, lines) if idempotency_key else ""
    with transaction.atomic():
        held_key = _buyer_lock(buyer_id=buyer.pk, idempotency_key=idempotency_key)
        if held_key is not None:
            replay = _idempotency_replay(held_key, fingerprint=fingerprint, now=now)
            if replay is not None:
                return replay, False

        status = _event_status_shared_lock(event_id)
        if status is None or status == EventStatus.DRAFT:
            raise NotFound("Event not found.")
        if status != EventStatus.PUBLISHED:
            raise errors.EventNotOnSale(details={"status": status})

        types = _ticket_types_for_sale(event_id=event_id, lines=lines, now=now)
        _require_buyer_limits(buyer=buyer, types=types, lines=lines)
        currency = types[lines[0].ticket_type_id].currency
        total = sum((types[li.ticket_type_id].price * li.quantity for li in lines), Decimal(0))
        order = Order.objects.create(buyer=buyer, event_id=event_id, total=total,
                                     currency=currency, status=OrderStatus.CONFIRMED)
        OrderItem.objects.bulk_create(
            OrderItem(order=order, ticket_type_id=li.ticket_type_id, quantity=li.quantity,
                      unit_price=types[li.ticket_type_id].price)
            for li in lines
        )
        Ticket.objects.bulk_create(
            Ticket(order=order, ticket_type_id=li.ticket_type_id, code=ticket_code_new())
            for li in lines
            for _ in range(li.quantity)
        )
        if idempotency_key:
            IdempotencyKey.objects.create(user=buyer, key=idempotency_key, order=order,
                                          fingerprint=fingerprint, created_at=now)
        # Seats last: each ticket type's row stays locked only for its conditional update
        # and the commit, so buyers of one type queue for that alone. Ascending ticket-type
        # id is the lock order of every order, so two orders never wait on each other
        # crosswise; a refusal rolls back everything written above.
        sold_now = [_sell(ticket_type=types[li.ticket_type_id], quantity=li.quantity)
                    for li in lines]
        # The public pages show an availability word, which a sale changes only when it
        # leaves few tickets or none; each sale sees the figure its own update made.
        if any(sold >= tt.capacity or availability.few_left(capacity=tt.capacity, sold=sold)
               for tt, sold in zip((types[li.ticket_type_id] for li in lines), sold_now,
                                   strict=True)):
            public_cache.invalidate()
        return order, True


def ticket_code_new() -> str:
    return secrets.token_urlsafe(TICKET_CODE_BYTES)


def _merge_lines(lines: Iterable[OrderLine]) -> list[OrderLine]:
    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line.ticket_type_id] = quantities.get(line.ticket_type_id, 0) + line.quantity
    if not quantities:
        raise errors.TicketTypeMismatch("An order needs at least one item.")
    return sorted(OrderLine(tid, q) for tid, q in quantities.items())


def _fingerprint(event_id: int, lines: list[OrderLine]) -> str:
    body = {"event": event_id, "items": [[li.ticket_type_id, li.quantity] for li in lines]}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class _HeldKey:
    pk: int
    order_id: int | None
    fingerprint: str
    created_at: datetime


def _buyer_lock(*, buyer_id: int, idempotency_key: str | None) -> _HeldKey | None:
    """Locks the buyer's row to the commit and reads, in the same statement, the buyer's
    earlier use of this idempotency key (None when there is none or no key was given).

    Under the lock a twin request in flight has committed or failed by now; this one
    writes the key with its order, and the key's unique row refuses what would slip
    through anyway. One statement instead of two: this runs for every order of an on-sale.
    """
    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    keys = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.id, k.order_id, k.fingerprint, k.created_at FROM {users} u "  # noqa: S608
            f"LEFT JOIN {keys} k ON k.user_id = u.id AND k.{connection.ops.quote_name('key')} = %s "
            f"WHERE u.id = %s{lock}",
            [idempotency_key or "", buyer_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise get_user_model().DoesNotExist("The buyer does not exist.")
    if not idempotency_key or row[0] is None:
        return None
    created_at = row[3]
    if timezone.is_naive(created_at):  # a raw cursor hands back naive UTC
        created_at = timezone.make_aware(created_at, UTC)
    return _HeldKey(pk=row[0], order_id=row[1], fingerprint=row[2], created_at=created_at)


def _idempotency_replay(held: _HeldKey, *, fingerprint: str, now: datetime) -> Order | None:
    """The order an earlier request with this key made, or None when the key has expired
    (it is deleted, which frees the key)."""
    if held.created_at <= now - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL) \
            or held.order_id is None:
        IdempotencyKey.objects.filter(pk=held.pk).delete()
        return None
    if held.fingerprint != fingerprint:
        raise errors.IdempotencyKeyReused()
    return Order.objects.get(pk=held.order_id)


def _event_status_shared_lock(event_id: int) -> str | None:
    """The event's status, read under a shared row lock held until the order commits.

    `event_cancel` locks the event row exclusively, so a cancellation waits for orders in
    flight (and then cancels them), and an order arriving after it reads `cancelled`.
    Shared, not exclusive: orders for the same event do not queue behind each other here.
    A buyer's cancellation takes it first too, as the event's cancellation does.
    """
    if connection.vendor != "mysql":
        return Event.objects.filter(pk=event_id).values_list("status", flat=True).first()
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {table} WHERE id = %s LOCK IN SHARE MODE",  # noqa: S608
            [event_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _ticket_types_for_sale(
    *, event_id: int, lines: list[OrderLine], now: datetime
) -> dict[int, TicketType]:
    ids = [li.ticket_type_id for li in lines]
    types = {tt.pk: tt for tt in
             TicketType.objects.filter(pk__in=ids, event_id=event_id).order_by()}
    foreign = [tid for tid in ids if tid not in types]
    if foreign:
        raise errors.TicketTypeMismatch(details={"ticket_types": foreign})
    if len({tt.currency for tt in types.values()}) > 1:
        raise errors.CurrencyMismatch()
    for line in lines:
        tt = types[line.ticket_type_id]
        if not tt.sales_start <= now < tt.sales_end:
            raise errors.SalesClosed(details={
                "ticket_type": tt.pk, "sales_start": iso_utc(tt.sales_start),
                "sales_end": iso_utc(tt.sales_end),
            })
        if line.quantity > tt.max_per_order:
            raise errors.OrderLimitExceeded(details={
                "ticket_type": tt.pk, "max_per_order": tt.max_per_order,
                "requested": line.quantity,
            })
        # Read without a lock, so only a shortcut: a type already sold out is refused before
        # the order is written; the conditional update in `_sell` gives the verdict.
        if tt.sold + line.quantity > tt.capacity:
            raise _sold_out(ticket_type_id=tt.pk, requested=line.quantity,
                            available=tt.capacity - tt.sold)
    return types


def _require_buyer_limits(*, buyer, types: dict[int, TicketType],
                          lines: list[OrderLine]) -> None:
    """Refuses lines that would take the buyer past a type's `max_per_buyer`.

    Counted under the buyer's row lock `order_create` holds to the commit: another order of
    the same buyer waits for this one, and (READ COMMITTED) this count already sees every
    order committed before the lock was granted. Other buyers do not wait for it.
    """
    limited = {li.ticket_type_id: li.quantity for li in lines
               if types[li.ticket_type_id].max_per_buyer is not None}
    if not limited:
        return
    held = dict(
        OrderItem.objects.filter(
            ticket_type_id__in=limited, order__buyer=buyer, order__status=OrderStatus.CONFIRMED,
        ).values("ticket_type_id").annotate(n=Sum("quantity")).values_list("ticket_type_id", "n")
    )
    for ticket_type_id, quantity in sorted(limited.items()):
        limit = types[ticket_type_id].max_per_buyer
        if held.get(ticket_type_id, 0) + quantity > limit:
            raise errors.BuyerLimitReached(details={
                "ticket_type": ticket_type_id, "max_per_buyer": limit,
                "held": held.get(ticket_type_id, 0), "requested": quantity,
            })


def _sell(*, ticket_type: TicketType, quantity: int) -> int:
    """UPDATE ... SET sold = sold + n WHERE id = ? AND sold + n <= capacity AND price = ?:
    the row count is the verdict, taken under the row lock the update holds to commit.
    Returns the type's `sold` as this update left it, read from the update's own answer."""
    table = connection.ops.quote_name(TicketType._meta.db_table)
    condition = "WHERE id = %s AND sold + %s <= capacity AND price = %s AND currency = %s"
    params = [quantity, ticket_type.pk, quantity, ticket_type.price, ticket_type.currency]
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # LAST_INSERT_ID(expr) returns expr in the statement's reply (mysql_insert_id):
            # MySQL and MariaDB have no UPDATE ... RETURNING.
            cursor.execute(f"UPDATE {table} SET sold = LAST_INSERT_ID(sold + %s) {condition}",  # noqa: S608
                           params)
            sold = cursor.lastrowid if cursor.rowcount else None
        else:
            cursor.execute(f"UPDATE {table} SET sold = sold + %s {condition} RETURNING sold",  # noqa: S608
                           params)
            row = cursor.fetchone()
            sold = row[0] if row else None
    if sold is not None:
        return sold
    now_row = TicketType.objects.filter(pk=ticket_type.pk).values(
        "price", "currency", "capacity", "sold"
    ).first()
    if now_row is None or (now_row["price"], now_row["currency"]) != (
        ticket_type.price, ticket_type.currency
    ):
        raise errors.PriceChanged(details={"ticket_type": ticket_type.pk})
    raise _sold_out(ticket_type_id=ticket_type.pk, requested=quantity,
                    available=now_row["capacity"] - now_row["sold"])


def _sold_out(*, ticket_type_id: int, requested: int, available: int) -> errors.SoldOut:
    return errors.SoldOut(details={
        "ticket_type": ticket_type_id, "requested": requested, "available": available,
    })


@retry_on_lock_conflict(busy_message="Too many orders at once; try again.")
def order_cancel(*, order: Order, actor, as_operator: bool = False) -> Order:
    """The buyer cancels before the event starts; operators (staff through the API, the
    admin site) cancel any order at any time."""
    staff = as_operator
    if not staff and order.buyer_id != actor.pk:
        raise NotFound("Order not found.")
    with transaction.atomic():
        # Locks in the order an event's cancellation takes them: the event's row (shared
        # here), the order's, its tickets', so the two never wait on each other crosswise
        # (the order's update share-locks the event through its foreign key anyway).
        _event_status_shared_lock(order.event_id)
        starts_at = Event.objects.filter(pk=order.event_id).values_list(
            "starts_at", flat=True
        ).get()
        now = timezone.now()
        if not staff and now >= starts_at:
            raise errors.CancellationClosed(details={"starts_at": iso_utc(starts_at)})
        Order.objects.select_for_update().filter(pk=order.pk).values_list("pk").get()
        # Locking the tickets orders this against a check-in at the door: a scan that comes
        # first makes the cancellation refuse, one that comes after finds the ticket void.
        used = [pk for pk, status in Ticket.objects.select_for_update()
                .filter(order_id=order.pk).order_by("pk").values_list("pk", "status")
                if status == TicketStatus.USED]
        if used:
            raise errors.TicketsUsed(details={"tickets": used})
        cancelled = Order.objects.filter(pk=order.pk, status=OrderStatus.CONFIRMED).update(
            status=OrderStatus.CANCELLED, cancelled_at=now, updated_at=now
        )
        if not cancelled:
            raise errors.OrderAlreadyCancelled()
        _release(order_ids=[order.pk], now=now)
    order.status, order.cancelled_at, order.updated_at = OrderStatus.CANCELLED, now, now
    return order


def order_cancel_all_for_event(*, event: Event) -> int:
    """Cancels every confirmed order of the event, gives the seats back and voids the
    tickets; `event_cancel` calls it inside its transaction. Returns how many."""
    with transaction.atomic():
        order_ids = list(
            Order.objects.select_for_update()
            .filter(event_id=event.pk, status=OrderStatus.CONFIRMED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not order_ids:
            return 0
        now = timezone.now()
        Order.objects.filter(pk__in=order_ids).update(
            status=OrderStatus.CANCELLED, cancelled_at=now, updated_at=now
        )
        _release(order_ids=order_ids, now=now)
        return len(order_ids)


def _release(*, order_ids: list[int], now: datetime) -> None:
    quantities = (
        OrderItem.objects.filter(order_id__in=order_ids)
        .values("ticket_type_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("ticket_type_id")
    )
    for row in quantities:
        TicketType.objects.filter(pk=row["ticket_type_id"]).update(
            sold=F("sold") - row["quantity"], updated_at=now
        )
    # Tickets used at the door stay `used`: a cancelled event's order is refunded, but who
    # came in still came in.
    Ticket.objects.filter(order_id__in=order_ids, status=TicketStatus.VALID).update(
        status=TicketStatus.VOID, updated_at=now
    )
    public_cache.invalidate()  # seats are back: "sold out" or "few left" may read otherwise


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Deletes keys older than IDEMPOTENCY_KEY_TTL; they are ignored past it anyway."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted


# Check-in ---------------------------------------------------------------------------------


@retry_on_lock_conflict(busy_message="Too many scans at once; try again.")
def ticket_check_in(*, event: Event, code: str, actor) -> Ticket:
    """One conditional update (`valid` → `used`): two scanners racing for one code admit
    once, and a retried scan reports the first one."""
    ticket = (
        Ticket.objects.select_related("ticket_type")
        .filter(code=code, ticket_type__event_id=event.pk)
        .first()
    )
    if ticket is None:
        raise errors.TicketNotFound()
    now = timezone.now()
    admitted = Ticket.objects.filter(
        pk=ticket.pk, status=TicketStatus.VALID
    ).update(status=TicketStatus.USED, checked_in_at=now, checked_in_by=actor, updated_at=now)
    ticket.refresh_from_db(fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    if admitted:
        return ticket
    if ticket.status == TicketStatus.VOID:
        raise errors.TicketVoid()
    raise errors.AlreadyCheckedIn(details={"checked_in_at": iso_utc(ticket.checked_in_at)})
