"""Ticketing services: selling within capacity, cancelling, idempotent retries, check-in."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.instants import iso_utc
from apps.events.services import event_cancel
from apps.tickets import errors
from apps.tickets.models import IdempotencyKey, Order, OrderStatus, Ticket, TicketStatus, TicketType
from apps.tickets.services import (
    OrderLine,
    order_cancel,
    order_create,
    ticket_check_in,
    ticket_type_update,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory
from tests.tickets.factories import TicketTypeFactory, make_order

pytestmark = pytest.mark.django_db


def test_order_sells_several_types_and_issues_unique_codes():
    standing = TicketTypeFactory(capacity=5, price=Decimal("25.00"))
    seated = TicketTypeFactory(event=standing.event, capacity=5, price=Decimal("40.50"))
    buyer = UserFactory()

    order, created = order_create(
        buyer=buyer, event_id=standing.event_id,
        lines=[OrderLine(seated.pk, 1), OrderLine(standing.pk, 2)],
    )

    assert created
    assert (order.status, order.total, order.currency) == ("confirmed", Decimal("90.50"), "EUR")
    assert sorted(order.items.values_list("ticket_type_id", "quantity", "unit_price")) == sorted(
        [(standing.pk, 2, Decimal("25.00")), (seated.pk, 1, Decimal("40.50"))]
    )
    codes = list(order.tickets.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 3
    assert all(len(code) == 24 for code in codes)
    standing.refresh_from_db()
    seated.refresh_from_db()
    assert (standing.sold, seated.sold) == (2, 1)


def test_order_takes_its_seats_last():
    """The ticket types' rows are locked by the seat updates and held to the commit: every
    other write of the order comes before them, so buyers of one type queue only for those."""
    standing = TicketTypeFactory(capacity=5)
    seated = TicketTypeFactory(event=standing.event, capacity=5)

    with CaptureQueriesContext(connection) as queries:
        order_create(buyer=UserFactory(), event_id=standing.event_id, idempotency_key="k1",
                     lines=[OrderLine(seated.pk, 1), OrderLine(standing.pk, 2)])

    statements = [q["sql"] for q in queries.captured_queries
                  if "SAVEPOINT" not in q["sql"].upper()]
    table = TicketType._meta.db_table
    seat_updates = [i for i, sql in enumerate(statements)
                    if sql.startswith("UPDATE") and table in sql.split("SET")[0]]
    assert seat_updates == [len(statements) - 2, len(statements) - 1]
    locked = [int(re.search(r"WHERE id = (\d+)", statements[i]).group(1))
              for i in seat_updates]
    assert locked == sorted([standing.pk, seated.pk])
    writes = [sql.split()[0] for sql in statements[:seat_updates[0]]]
    assert writes.count("INSERT") == 5  # idempotency key, order, items, tickets (bulk)
    # Every statement is a round trip each buyer of an on-sale makes: the buyer's lock with
    # the key's earlier use, the event's shared lock, the types, five inserts, two updates.
    assert len(statements) == 10


def test_sold_out_sells_nothing_of_the_whole_order():
    plenty = TicketTypeFactory(capacity=10)
    scarce = TicketTypeFactory(event=plenty.event, capacity=3)
    make_order(ticket_type=scarce, quantity=2)

    with pytest.raises(errors.SoldOut) as caught:
        order_create(buyer=UserFactory(), event_id=plenty.event_id,
                     lines=[OrderLine(plenty.pk, 4), OrderLine(scarce.pk, 2)])

    assert caught.value.details == {"ticket_type": scarce.pk, "requested": 2, "available": 1}
    plenty.refresh_from_db()
    scarce.refresh_from_db()
    assert (plenty.sold, scarce.sold, Order.objects.count()) == (0, 2, 1)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda tt: TicketType.objects.filter(pk=tt.pk).update(
            sales_start=timezone.now() + timedelta(hours=1)), errors.SalesClosed),
        (lambda tt: TicketType.objects.filter(pk=tt.pk).update(max_per_order=1),
         errors.OrderLimitExceeded),
        (lambda tt: tt.event.__class__.objects.filter(pk=tt.event_id).update(status="draft"),
         NotFound),
        (lambda tt: tt.event.__class__.objects.filter(pk=tt.event_id).update(
            status="cancelled"), errors.EventNotOnSale),
        (lambda tt: TicketType.objects.filter(pk=tt.pk).update(event=EventFactory()),
         errors.TicketTypeMismatch),
    ],
    ids=["window-not-open", "per-order-limit", "draft-event", "cancelled-event", "other-event"],
)
def test_order_refusals(setup, error):
    ticket_type = TicketTypeFactory()
    event_id = ticket_type.event_id
    setup(ticket_type)

    with pytest.raises(error):
        order_create(buyer=UserFactory(), event_id=event_id,
                     lines=[OrderLine(ticket_type.pk, 2)])

    assert Order.objects.count() == 0


def test_per_buyer_limit_holds_across_orders_and_frees_up_on_cancel():
    ticket_type = TicketTypeFactory(max_per_buyer=4)
    buyer = UserFactory()
    first = make_order(buyer=buyer, ticket_type=ticket_type, quantity=3)

    with pytest.raises(errors.BuyerLimitReached) as refused:
        make_order(buyer=buyer, ticket_type=ticket_type, quantity=2)
    assert refused.value.details == {"ticket_type": ticket_type.pk, "max_per_buyer": 4,
                                     "held": 3, "requested": 2}
    make_order(ticket_type=ticket_type, quantity=4)  # another buyer has a limit of their own
    ticket_type.refresh_from_db()
    assert ticket_type.sold == 7  # the refused order sold nothing

    order_cancel(order=first, actor=buyer)
    make_order(buyer=buyer, ticket_type=ticket_type, quantity=4)


def test_buyer_cancels_before_the_start_and_the_seats_come_back():
    ticket_type = TicketTypeFactory(capacity=2)
    order = make_order(ticket_type=ticket_type, quantity=2)

    order = order_cancel(order=order, actor=order.buyer)

    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert set(order.tickets.values_list("status", flat=True)) == {TicketStatus.VOID}
    ticket_type.refresh_from_db()
    assert ticket_type.sold == 0
    with pytest.raises(errors.OrderAlreadyCancelled):
        order_cancel(order=order, actor=order.buyer)
    ticket_type.refresh_from_db()
    assert ticket_type.sold == 0
    make_order(ticket_type=ticket_type, quantity=2)  # the seats are for sale again


def test_after_the_start_only_operators_cancel():
    order = make_order()
    order.event.__class__.objects.filter(pk=order.event_id).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(errors.CancellationClosed):
        order_cancel(order=order, actor=order.buyer)
    with pytest.raises(NotFound):
        order_cancel(order=order, actor=UserFactory())
    assert order_cancel(order=order, actor=UserFactory(staff=True), as_operator=True).status == (
        OrderStatus.CANCELLED
    )


def test_cancelling_the_event_cancels_its_orders():
    ticket_type = TicketTypeFactory(capacity=10)
    first = make_order(ticket_type=ticket_type, quantity=3)
    second = make_order(ticket_type=ticket_type, quantity=2)
    earlier = order_cancel(order=make_order(ticket_type=ticket_type), actor=first.buyer,
                           as_operator=True)
    other_event_order = make_order()

    event_cancel(event=ticket_type.event)

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "cancelled", earlier.pk: "cancelled",
                        other_event_order.pk: "confirmed"}
    assert not Ticket.objects.filter(order__event=ticket_type.event, status="valid").exists()
    ticket_type.refresh_from_db()
    assert ticket_type.sold == 0


def test_price_locks_once_sold_and_capacity_stays_above_sold():
    ticket_type = TicketTypeFactory(capacity=10)
    ticket_type = ticket_type_update(ticket_type=ticket_type, data={"price": Decimal("30.00")})
    assert ticket_type.price == Decimal("30.00")
    make_order(ticket_type=ticket_type, quantity=4)

    with pytest.raises(errors.PriceLocked):
        ticket_type_update(ticket_type=ticket_type, data={"price": Decimal("35.00")})
    with pytest.raises(errors.CapacityBelowSold):
        ticket_type_update(ticket_type=ticket_type, data={"capacity": 3})
    ticket_type = ticket_type_update(ticket_type=ticket_type,
                                     data={"capacity": 4, "name": "Early bird"})

    assert (ticket_type.capacity, ticket_type.sold, ticket_type.price, ticket_type.name) == (
        4, 4, Decimal("30.00"), "Early bird"
    )


def test_database_refuses_selling_beyond_capacity():
    ticket_type = TicketTypeFactory(capacity=1)
    with pytest.raises(IntegrityError):
        TicketType.objects.filter(pk=ticket_type.pk).update(sold=2)


def test_idempotency_key_replays_the_first_order_and_refuses_another_body():
    ticket_type = TicketTypeFactory()
    buyer = UserFactory()
    lines = [OrderLine(ticket_type.pk, 2)]

    first, created = order_create(buyer=buyer, event_id=ticket_type.event_id, lines=lines,
                                  idempotency_key="k-1")
    again, created_again = order_create(buyer=buyer, event_id=ticket_type.event_id,
                                        lines=lines, idempotency_key="k-1")
    with pytest.raises(errors.IdempotencyKeyReused):
        order_create(buyer=buyer, event_id=ticket_type.event_id,
                     lines=[OrderLine(ticket_type.pk, 3)], idempotency_key="k-1")
    # Keys belong to a buyer: another buyer's "k-1" is a new order.
    other = make_order(ticket_type=ticket_type, key="k-1")

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Order.objects.filter(buyer=buyer).count() == 1
    assert other.pk != first.pk
    ticket_type.refresh_from_db()
    assert ticket_type.sold == 3


def test_expired_idempotency_keys_are_ignored_and_purged(settings):
    ticket_type = TicketTypeFactory()
    buyer = UserFactory()
    lines = [OrderLine(ticket_type.pk, 1)]
    first, _ = order_create(buyer=buyer, event_id=ticket_type.event_id, lines=lines,
                            idempotency_key="old")
    make_order(ticket_type=ticket_type, key="fresh")
    past_ttl = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL + 1)
    IdempotencyKey.objects.filter(key="old").update(created_at=past_ttl)

    second, created = order_create(buyer=buyer, event_id=ticket_type.event_id, lines=lines,
                                   idempotency_key="old")
    assert created and second.pk != first.pk

    IdempotencyKey.objects.filter(key="old").update(created_at=past_ttl)
    out = io.StringIO()
    call_command("idempotency_keys_purge", stdout=out)
    assert out.getvalue() == "Deleted 1 expired idempotency keys.\n"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_check_in_uses_a_ticket_once_and_refuses_void_and_foreign_tickets():
    order = make_order(quantity=2)
    event = order.event
    first, second = order.tickets.all()
    door = event.organizer
    cancelled = order_cancel(order=make_order(ticket_type=first.ticket_type),
                             actor=door, as_operator=True)

    admitted = ticket_check_in(event=event, code=first.code, actor=door)
    with pytest.raises(errors.AlreadyCheckedIn) as again:
        ticket_check_in(event=event, code=first.code, actor=door)
    with pytest.raises(errors.TicketNotFound):
        ticket_check_in(event=EventFactory(organizer=door), code=second.code, actor=door)
    with pytest.raises(errors.TicketVoid):
        ticket_check_in(event=event, code=cancelled.tickets.get().code, actor=door)
    with pytest.raises(errors.TicketsUsed):
        order_cancel(order=order, actor=door, as_operator=True)

    assert admitted.status == TicketStatus.USED and admitted.checked_in_by == door
    assert again.value.details == {"checked_in_at": iso_utc(admitted.checked_in_at)}
    event_cancel(event=event)  # the event is called off: refunds, but who came in came in
    assert dict(order.tickets.values_list("pk", "status")) == {
        first.pk: TicketStatus.USED, second.pk: TicketStatus.VOID,
    }


@pytest.mark.mysql
def test_codes_and_idempotency_keys_match_byte_for_byte_on_mysql():
    from apps.licensing.models import LicenseKey
    from tests.licensing.factories import make_key

    order = make_order()
    ticket = order.tickets.get()
    Ticket.objects.filter(pk=ticket.pk).update(code="AbCdEfGhIjKlMnOpQrStUvWx")
    buyer = UserFactory()
    lines = [OrderLine(order.items.get().ticket_type_id, 1)]
    key, _raw = make_key()
    LicenseKey.objects.filter(pk=key.pk).update(prefix="abcdef123456")

    with pytest.raises(errors.TicketNotFound):
        ticket_check_in(event=order.event, code="aBcDeFgHiJkLmNoPqRsTuVwX",
                        actor=order.event.organizer)
    first, _ = order_create(buyer=buyer, event_id=order.event_id, lines=lines,
                            idempotency_key="Retry-A")
    second, created = order_create(buyer=buyer, event_id=order.event_id, lines=lines,
                                   idempotency_key="retry-a")

    assert created and second.pk != first.pk  # another key, another order
    assert not LicenseKey.objects.filter(prefix="ABCDEF123456").exists()
    assert LicenseKey.objects.filter(prefix="abcdef123456").exists()
    assert ticket_check_in(event=order.event, code="AbCdEfGhIjKlMnOpQrStUvWx",
                           actor=order.event.organizer).pk == ticket.pk
