"""Ticketing endpoints: bodies, error envelopes, who sees what, query counts."""

import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.fields import DateTimeField
from rest_framework.test import APIClient

from apps.events.public_cache import GENERATION_KEY
from apps.tickets.models import Order, Ticket, TicketType
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory
from tests.tickets.factories import TicketTypeFactory, make_order

pytestmark = pytest.mark.django_db

iso = DateTimeField().to_representation


def client_for(user, **auth) -> APIClient:
    client = APIClient()
    client.force_authenticate(user, **auth)
    return client


def order_body(order: Order) -> dict:
    return {
        "id": order.pk,
        "event": order.event_id,
        "status": order.status,
        "total": str(order.total),
        "currency": order.currency,
        "items": [
            {"ticket_type": i.ticket_type_id, "name": i.ticket_type.name,
             "quantity": i.quantity, "unit_price": str(i.unit_price)}
            for i in order.items.order_by("id")
        ],
        "tickets": [
            {"id": t.pk, "code": t.code, "ticket_type": t.ticket_type_id, "status": t.status,
             "checked_in_at": t.checked_in_at and iso(t.checked_in_at)}
            for t in order.tickets.order_by("id")
        ],
        "created_at": iso(order.created_at),
        "cancelled_at": order.cancelled_at and iso(order.cancelled_at),
    }


def type_body(tt: TicketType, *, figures: bool = True, availability: str = "on_sale") -> dict:
    return {
        "id": tt.pk, "event": tt.event_id, "name": tt.name, "description": tt.description,
        "price": str(tt.price), "currency": tt.currency,
        "capacity": tt.capacity if figures else None, "sold": tt.sold if figures else None,
        "available": tt.capacity - tt.sold if figures else None, "availability": availability,
        "sales_start": iso(tt.sales_start), "sales_end": iso(tt.sales_end),
        "max_per_order": tt.max_per_order, "max_per_buyer": tt.max_per_buyer,
        "created_at": iso(tt.created_at),
        "updated_at": iso(tt.updated_at),
    }


def page(results: list) -> dict:
    return {"count": len(results), "next": None, "previous": None, "results": results}


def error(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


# Orders ---------------------------------------------------------------------------------


def test_buyer_orders_and_a_retry_with_the_same_key_returns_the_first_order():
    ticket_type = TicketTypeFactory(capacity=3, price=Decimal("19.90"))
    buyer = UserFactory()
    client = client_for(buyer)
    body = {"event": ticket_type.event_id, "items": [{"ticket_type": ticket_type.pk,
                                                      "quantity": 2}]}

    first = client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    retry = client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    reused = client.post("/api/v1/orders", {**body, "items": [{"ticket_type": ticket_type.pk,
                                                               "quantity": 1}]},
                         format="json", HTTP_IDEMPOTENCY_KEY="abc-1")

    order = Order.objects.get()
    assert (first.status_code, first.json()) == (201, order_body(order))
    assert order.total == Decimal("39.80") and order.tickets.count() == 2
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert (reused.status_code, reused.json()) == (422, error(
        "idempotency_key_reused", "This Idempotency-Key was used with a different request body."
    ))


def test_sold_out_and_bad_input_answer_in_the_envelope():
    ticket_type = TicketTypeFactory(capacity=1)
    client = client_for(UserFactory())
    url = "/api/v1/orders"
    one = {"event": ticket_type.event_id, "items": [{"ticket_type": ticket_type.pk,
                                                     "quantity": 1}]}

    sold_out = client.post(url, {"event": ticket_type.event_id, "items": [
        {"ticket_type": ticket_type.pk, "quantity": 2}]}, format="json", HTTP_IDEMPOTENCY_KEY="1")
    empty = client.post(url, {"event": ticket_type.event_id, "items": []}, format="json",
                        HTTP_IDEMPOTENCY_KEY="2")
    twice = client.post(url, {"event": ticket_type.event_id, "items": [
        {"ticket_type": ticket_type.pk, "quantity": 1},
        {"ticket_type": ticket_type.pk, "quantity": 1}]}, format="json", HTTP_IDEMPOTENCY_KEY="3")
    bad_key = client.post(url, one, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    joined = client.post(url, one, format="json", HTTP_IDEMPOTENCY_KEY="k1,k2")  # two headers
    no_key = client.post(url, one, format="json")
    foreign = client.post(url, {"event": EventFactory().pk, "items": [
        {"ticket_type": ticket_type.pk, "quantity": 1}]}, format="json", HTTP_IDEMPOTENCY_KEY="4")

    assert (sold_out.status_code, sold_out.json()) == (409, error(
        "sold_out", "Not enough tickets left.",
        {"ticket_type": ticket_type.pk, "requested": 2, "available": 1},
    ))
    assert (empty.status_code, empty.json()) == (400, error(
        "invalid", "The request has invalid fields.",
        {"items": {"non_field_errors": ["This list may not be empty."]}},
    ))
    assert (twice.status_code, twice.json()["error"]["details"]) == (
        400, {"items": ["List each ticket type once."]}
    )
    for refused in (bad_key, joined):
        assert (refused.status_code, refused.json()["error"]["details"]) == (
            400, {"Idempotency-Key": ["Use one key of 1 to 255 visible ASCII characters, "
                                      "no comma."]}
        )
    assert (no_key.status_code, no_key.json()["error"]["details"]) == (400, {"Idempotency-Key": [
        "This header is required: a new value for each order, the same on its retries."]})
    assert (foreign.status_code, foreign.json()) == (400, error(
        "ticket_type_mismatch", "Every ticket type must belong to the ordered event.",
        {"ticket_types": [ticket_type.pk]},
    ))
    assert not Order.objects.exists()


def test_buyers_see_only_their_own_orders_and_tickets(django_assert_num_queries):
    buyer, other = UserFactory(), UserFactory()
    ticket_type = TicketTypeFactory()
    mine = [make_order(buyer=buyer, ticket_type=ticket_type, quantity=q) for q in (1, 2, 3)]
    theirs = make_order(buyer=other, ticket_type=ticket_type)
    client = client_for(buyer)
    client.get("/api/v1/tickets")  # loads what every request shares (plans, say) once

    # count, orders, their items with ticket types, their tickets
    with django_assert_num_queries(4):
        orders = client.get("/api/v1/orders")
    # count, tickets with their type and event
    with django_assert_num_queries(2):
        tickets = client.get("/api/v1/tickets")
    detail = client.get(f"/api/v1/orders/{mine[0].pk}")
    foreign = client.get(f"/api/v1/orders/{theirs.pk}")
    foreign_cancel = client.post(f"/api/v1/orders/{theirs.pk}/cancel")
    staff_view = client_for(UserFactory(staff=True)).get(f"/api/v1/orders/{theirs.pk}")

    assert (orders.status_code, orders.json()) == (
        200, page([order_body(o) for o in reversed(mine)])
    )
    event = ticket_type.event
    assert (tickets.status_code, tickets.json()) == (200, page([
        {"id": t.pk, "code": t.code, "status": "valid", "order": t.order_id,
         "event": {"id": event.pk, "title": event.title, "starts_at": iso(event.starts_at)},
         "ticket_type": {"id": ticket_type.pk, "name": ticket_type.name},
         "checked_in_at": None}
        for t in Ticket.objects.filter(order__buyer=buyer).order_by("-id")
    ]))
    assert (detail.status_code, detail.json()) == (200, order_body(mine[0]))
    not_found = error("not_found", "Order not found.")
    assert (foreign.status_code, foreign.json()) == (404, not_found)
    assert (foreign_cancel.status_code, foreign_cancel.json()) == (404, not_found)
    assert staff_view.status_code == 200
    assert Order.objects.get(pk=theirs.pk).status == "confirmed"


def test_buyer_cancels_an_order_until_the_event_starts():
    order = make_order(quantity=2)
    client = client_for(order.buyer)

    cancelled = client.post(f"/api/v1/orders/{order.pk}/cancel")
    again = client.post(f"/api/v1/orders/{order.pk}/cancel")
    started = make_order(buyer=order.buyer)
    started.event.__class__.objects.filter(pk=started.event_id).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    late = client.post(f"/api/v1/orders/{started.pk}/cancel")

    order.refresh_from_db()
    assert (cancelled.status_code, cancelled.json()) == (200, order_body(order))
    assert cancelled.json()["status"] == "cancelled"
    assert {t["status"] for t in cancelled.json()["tickets"]} == {"void"}
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_cancelled")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "cancellation_closed")


def test_catalogue_cancel_endpoint_cancels_the_orders():
    ticket_type = TicketTypeFactory(capacity=5)
    order = make_order(ticket_type=ticket_type, quantity=3)
    organizer = client_for(ticket_type.event.organizer)

    response = organizer.post(f"/api/v1/events/{ticket_type.event_id}/cancel")

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    ticket_type.refresh_from_db()
    assert (order.status, ticket_type.sold) == ("cancelled", 0)
    assert set(order.tickets.values_list("status", flat=True)) == {"void"}
    buyer = client_for(order.buyer)
    refused = buyer.post("/api/v1/orders", {"event": ticket_type.event_id, "items": [
        {"ticket_type": ticket_type.pk, "quantity": 1}]}, format="json",
        HTTP_IDEMPOTENCY_KEY="after-cancel")
    assert (refused.status_code, refused.json()) == (409, error(
        "event_not_on_sale", "Tickets can only be ordered for published events.",
        {"status": "cancelled"},
    ))


def test_partner_keys_read_orders_with_tickets_read_only():
    order = make_order()
    reader = client_for(order.buyer, token=SimpleNamespace(scopes=["tickets:read"]))
    outsider = client_for(order.buyer, token=SimpleNamespace(scopes=["events:read"]))
    body = {"event": order.event_id, "items": [
        {"ticket_type": order.items.get().ticket_type_id, "quantity": 1}]}

    assert reader.get("/api/v1/orders").json()["count"] == 1
    assert reader.post("/api/v1/orders", body, format="json",
                       HTTP_IDEMPOTENCY_KEY="k").status_code == 403
    assert outsider.get("/api/v1/tickets").status_code == 403


# Ticket types and sales -----------------------------------------------------------------


def test_organizer_manages_ticket_types_of_their_own_events(django_assert_num_queries):
    event = EventFactory()
    organizer = client_for(event.organizer)
    url = f"/api/v1/events/{event.pk}/ticket-types"
    body = {"name": "Front row", "price": "80.00", "currency": "EUR", "capacity": 50,
            "sales_start": "2020-01-01T00:00:00Z", "sales_end": iso(event.starts_at),
            "max_per_order": 4}

    created = organizer.post(url, body, format="json")
    other_organizer = client_for(UserFactory(organizer=True)).post(url, body, format="json")
    fan_write = client_for(UserFactory()).post(url, body, format="json")
    bad = organizer.post(url, {**body, "name": "B", "currency": "eur", "price": "-1"},
                         format="json")
    late = organizer.post(url, {**body, "name": "C",
                                "sales_end": iso(event.ends_at + timedelta(days=1))},
                          format="json")

    ticket_type = TicketType.objects.get()
    assert (created.status_code, created.json()) == (201, type_body(ticket_type))
    forbidden = error("permission_denied", "Only the event's organizer or staff may do this.")
    assert (other_organizer.status_code, other_organizer.json()) == (403, forbidden)
    assert (fan_write.status_code, fan_write.json()) == (403, forbidden)
    assert (bad.status_code, bad.json()) == (400, error(
        "invalid", "The request has invalid fields.", {
            "price": ["Ensure this value is greater than or equal to 0."],
            "currency": ["Use an ISO 4217 code such as EUR."],
        },
    ))
    assert (late.status_code, late.json()["error"]["code"]) == (400, "invalid_sales_window")

    make_order(ticket_type=ticket_type, quantity=2)
    detail = f"{url}/{ticket_type.pk}"
    locked = organizer.patch(detail, {"price": "90.00"}, format="json")
    shrunk = organizer.patch(detail, {"capacity": 2}, format="json")
    ticket_type.refresh_from_db()
    assert (locked.status_code, locked.json()) == (409, error(
        "price_locked", "Price and currency cannot change once tickets are sold.", {"sold": 2}
    ))
    assert (shrunk.status_code, shrunk.json()) == (200, type_body(ticket_type,
                                                                  availability="sold_out"))
    in_use = organizer.delete(detail)
    assert (in_use.status_code, in_use.json()["error"]["code"]) == (409, "ticket_type_in_use")

    TicketTypeFactory(event=event, name="Balcony", price=Decimal("30.00"))
    fan = client_for(UserFactory())
    fan.get(url)
    with django_assert_num_queries(3):  # the event, count, ticket types
        listing = fan.get(url)
    assert (listing.status_code, [t["name"] for t in listing.json()["results"]]) == (
        200, ["Balcony", "Front row"]
    )


def test_everyone_reads_prices_and_availability_but_not_the_figures(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    event = EventFactory(slug="owls-live")
    now = timezone.now()
    kinds = {
        "on_sale": TicketTypeFactory(event=event, name="Standing", price=Decimal("30.00")),
        "few_left": TicketTypeFactory(event=event, name="Seated", price=Decimal("50.00"),
                                      capacity=20, sold=18),
        "sold_out": TicketTypeFactory(event=event, name="Early bird", price=Decimal("20.00"),
                                      capacity=5, sold=5),
        "not_yet": TicketTypeFactory(event=event, name="Late", price=Decimal("40.00"),
                                     sales_start=now + timedelta(days=2)),
        "ended": TicketTypeFactory(event=event, name="Presale", price=Decimal("10.00"),
                                   sales_start=now - timedelta(days=9),
                                   sales_end=now - timedelta(days=2)),
    }
    by_price = sorted(kinds.items(), key=lambda kv: kv[1].price)
    url = "/api/v1/events/owls-live/ticket-types"
    anonymous = APIClient()

    with django_assert_num_queries(3):  # the event, count, ticket types
        listing = anonymous.get(url)
    with django_assert_num_queries(0):  # served from the shared cache
        assert anonymous.get(url).json() == listing.json()
    detail = anonymous.get(f"{url}/{kinds['few_left'].pk}")
    summary = anonymous.get("/api/v1/events/owls-live").json()["tickets"]
    organizer = client_for(event.organizer).get(url).json()["results"]

    assert listing["Cache-Control"].startswith("public")
    assert listing.json() == page([type_body(tt, figures=False, availability=word)
                                   for word, tt in by_price])
    assert detail.json() == type_body(kinds["few_left"], figures=False, availability="few_left")
    assert summary == {"price_from": "30.00", "currency": "EUR", "availability": "on_sale"}
    assert organizer == [type_body(tt, availability=word) for word, tt in by_price]

    generation = cache.get(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(ticket_type=kinds["on_sale"])  # plenty left: the public pages stand
    assert cache.get(GENERATION_KEY) == generation
    with django_capture_on_commit_callbacks(execute=True):
        make_order(ticket_type=kinds["few_left"], quantity=2)  # the pages are retired
    assert cache.get(GENERATION_KEY) > generation
    words = {t["name"]: t["availability"] for t in anonymous.get(url).json()["results"]}
    assert words["Seated"] == "sold_out"


def test_draft_events_hide_their_ticket_types_from_buyers():
    ticket_type = TicketTypeFactory(event=EventFactory(draft=True))
    url = f"/api/v1/events/{ticket_type.event_id}/ticket-types"

    hidden = client_for(UserFactory()).get(url)
    own = client_for(ticket_type.event.organizer).get(url)

    missing = error("not_found", f"No event matches '{ticket_type.event_id}'.")
    assert (hidden.status_code, hidden.json()) == (404, missing)
    assert (APIClient().get(url).status_code, own.status_code) == (404, 200)
    assert own.json() == page([type_body(ticket_type, availability="not_yet")])


def test_sales_per_ticket_type_for_the_organizer_only(django_assert_num_queries):
    standing = TicketTypeFactory(capacity=100, price=Decimal("25.00"), name="Standing")
    seated = TicketTypeFactory(event=standing.event, capacity=10, price=Decimal("60.00"),
                               name="Seated")
    make_order(ticket_type=standing, quantity=3)
    make_order(ticket_type=seated, quantity=2)
    cancelled = make_order(ticket_type=seated, quantity=1)
    client_for(cancelled.buyer).post(f"/api/v1/orders/{cancelled.pk}/cancel")
    url = f"/api/v1/events/{standing.event_id}/sales"

    organizer = client_for(standing.event.organizer)
    organizer.get(url)
    with django_assert_num_queries(2):  # the event, ticket types with revenue
        sales = organizer.get(url)
    other = client_for(UserFactory(organizer=True)).get(url)

    assert (sales.status_code, sales.json()) == (200, {
        "event": standing.event_id,
        "currency": "EUR",
        "ticket_types": [
            {"id": standing.pk, "name": "Standing", "price": "25.00", "currency": "EUR",
             "capacity": 100, "sold": 3, "available": 97, "checked_in": 0,
             "revenue": "75.00"},
            {"id": seated.pk, "name": "Seated", "price": "60.00", "currency": "EUR",
             "capacity": 10, "sold": 2, "available": 8, "checked_in": 0,
             "revenue": "120.00"},
        ],
        "totals": {"capacity": 110, "sold": 5, "checked_in": 0, "revenue": "195.00"},
    })
    assert other.status_code == 403


# Check-in -------------------------------------------------------------------------------


def test_check_in_at_the_door_uses_the_ticket():
    order = make_order(quantity=2)
    first, second = order.tickets.all()
    event = order.event
    door = client_for(event.organizer)
    url = f"/api/v1/events/{event.pk}/check-in"
    other_event = EventFactory(organizer=event.organizer)
    cancelled = make_order(ticket_type=first.ticket_type)
    client_for(cancelled.buyer).post(f"/api/v1/orders/{cancelled.pk}/cancel")

    admitted = door.post(url, {"code": first.code}, format="json")
    again = door.post(url, {"code": first.code}, format="json")
    elsewhere = door.post(f"/api/v1/events/{other_event.pk}/check-in", {"code": second.code},
                          format="json")
    stranger = client_for(UserFactory(organizer=True)).post(url, {"code": second.code},
                                                           format="json")
    void = door.post(url, {"code": cancelled.tickets.get().code}, format="json")
    holder = client_for(order.buyer)
    cancel = holder.post(f"/api/v1/orders/{order.pk}/cancel")
    held = holder.get("/api/v1/tickets").json()["results"]
    sales = door.get(f"/api/v1/events/{event.pk}/sales").json()

    first.refresh_from_db()
    assert (admitted.status_code, admitted.json()) == (200, {
        "id": first.pk, "code": first.code, "status": "used", "order": order.pk,
        "ticket_type": {"id": first.ticket_type_id, "name": first.ticket_type.name},
        "checked_in_at": iso(first.checked_in_at),
    })
    assert (again.status_code, again.json()) == (409, error(
        "already_checked_in", "The ticket was already checked in.",
        {"checked_in_at": iso(first.checked_in_at)},  # as bodies write it
    ))
    assert (elsewhere.status_code, elsewhere.json()) == (404, error(
        "ticket_not_found", "No ticket with this code for this event."
    ))
    assert stranger.status_code == 403
    assert (void.status_code, void.json()) == (409, error(
        "ticket_void", "The ticket's order was cancelled."
    ))
    assert (cancel.status_code, cancel.json()) == (409, error(
        "tickets_used", "An order with a ticket already used at the door cannot be cancelled.",
        {"tickets": [first.pk]},
    ))
    assert [(t["id"], t["status"], t["checked_in_at"]) for t in held] == [
        (second.pk, "valid", None), (first.pk, "used", iso(first.checked_in_at)),
    ]
    assert sales["totals"] == {"capacity": 100, "sold": 2, "checked_in": 1,
                               "revenue": "50.00"}


# QR codes -------------------------------------------------------------------------------


def test_holder_shows_a_qr_code_the_door_scans_in():
    import zxingcpp
    from PIL import Image

    order = make_order()
    ticket = order.tickets.get()
    holder = client_for(order.buyer)

    png = holder.get(f"/api/v1/tickets/{ticket.pk}/qr.png", HTTP_ACCEPT="image/png")
    svg = holder.get(f"/api/v1/tickets/{ticket.pk}/qr.svg")
    stranger = client_for(UserFactory()).get(f"/api/v1/tickets/{ticket.pk}/qr.png",
                                             HTTP_ACCEPT="image/png")
    organizer = client_for(order.event.organizer).get(f"/api/v1/tickets/{ticket.pk}/qr.svg")
    anonymous = APIClient().get(f"/api/v1/tickets/{ticket.pk}/qr.svg")

    assert (png.status_code, png["Content-Type"]) == (200, "image/png")
    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert b"<svg" in svg.content and ticket.code.encode() not in svg.content
    [scanned] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert scanned.format == zxingcpp.BarcodeFormat.QRCode
    assert (stranger.status_code, stranger.json()) == (404, error("not_found",
                                                                  "Ticket not found."))
    assert organizer.status_code == 404 and anonymous.status_code == 401

    admitted = client_for(order.event.organizer).post(
        f"/api/v1/events/{order.event_id}/check-in", {"code": scanned.text}, format="json"
    )
    assert (admitted.status_code, admitted.json()["status"]) == (200, "used")


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_a_void_ticket_shows_no_qr_code(kind):
    order = make_order()
    ticket = order.tickets.get()
    holder = client_for(order.buyer)
    assert holder.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 200

    response = holder.get(f"/api/v1/tickets/{ticket.pk}/qr.{kind}")

    assert (response.status_code, response.json()) == (409, error(
        "ticket_void", "The ticket's order was cancelled."))
