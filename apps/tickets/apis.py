"""Ticketing endpoints: ticket types, orders, a buyer's tickets, sales and check-in."""

from __future__ import annotations

import re

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope, is_staff, manages_event
from apps.events.public_cache import CACHE_NOTE, SharedPages, read_response
from apps.tickets import selectors, services
from apps.tickets.serializers import (
    CheckInResultSerializer,
    CheckInSerializer,
    EventSalesSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    TicketSerializer,
    TicketTypeSerializer,
    TicketTypeWriteSerializer,
)
from concert.api.annotations import extend_schema, extend_schema_view
from concert.api.pagination import Pages
from concert.api.schema import error_responses

# Visible ASCII but the comma: two Idempotency-Key headers arrive joined by one.
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x2b\x2d-\x7e]{1,255}$")

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
    description=(
        "Required; 1-255 visible ASCII characters but the comma, new for each order the "
        "buyer means to place (a UUID, say), and the same on every retry of it. A retry "
        "with the same key and body within 24 hours returns the first order (201, same "
        "body) instead of ordering again, so an answer lost after the order was made (a "
        "timeout, a 503) never buys twice; the same key with another body is refused (422 "
        "idempotency_key_reused). Refused attempts (sold out, say) keep no key."
    ),
)


class TicketsApi(APIView):
    permission_classes = [IsAuthenticated, LicenseScope]
    license_scope = "tickets"


class TicketTypesApi(SharedPages, TicketsApi):
    """Anyone reads an event's ticket types (the figures only its organizer and staff);
    signed-in organizers change them."""

    permission_classes = [IsAuthenticatedOrReadOnly, LicenseScope]


class TicketTypeListApi(Pages, TicketTypesApi):
    @extend_schema(
        operation_id="ticket_types_list",
        summary="List an event's ticket types",
        description="Prices, sales windows and an availability word for everyone; capacity, "
                    "sold and available only for the event's organizer and staff."
                    + CACHE_NOTE,
        responses={200: TicketTypeSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request, ref: str):
        def build():
            event = selectors.event_for_tickets(ref=ref, user=request.user)
            return self.page(selectors.ticket_type_list(event=event), TicketTypeSerializer,
                             figures=manages_event(request.user, event))

        return read_response(request, build)

    @extend_schema(
        summary="Add a ticket type",
        description="The event's organizer, or staff, adds a ticket type with its price, "
                    "capacity and sales window, which ends by the event's end.",
        operation_id="ticket_types_create",
        request=TicketTypeWriteSerializer,
        responses={201: TicketTypeSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, ref: str):
        event = selectors.event_for_tickets(ref=ref, user=request.user, manage=True)
        serializer = TicketTypeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_type = services.ticket_type_create(event=event, **serializer.validated_data)
        return Response(TicketTypeSerializer(ticket_type).data, status=status.HTTP_201_CREATED)


class TicketTypeDetailApi(TicketTypesApi):
    def _get(self, request, ref: str, ticket_type_id: int, *, manage: bool):
        event = selectors.event_for_tickets(ref=ref, user=request.user, manage=manage)
        return selectors.ticket_type_get(event=event, ticket_type_id=ticket_type_id)

    @extend_schema(
        operation_id="ticket_types_retrieve",
        summary="Get one ticket type",
        description="As in the list: figures only for the event's organizer and staff."
                    + CACHE_NOTE,
        responses={200: TicketTypeSerializer, **error_responses(403, 404)},
    )
    def get(self, request, ref: str, ticket_type_id: int):
        def build():
            ticket_type = self._get(request, ref, ticket_type_id, manage=False)
            figures = manages_event(request.user, ticket_type.event)
            return TicketTypeSerializer(ticket_type, context={"figures": figures}).data

        return read_response(request, build)

    @extend_schema(
        summary="Edit a ticket type",
        operation_id="ticket_types_update",
        request=TicketTypeWriteSerializer(partial=True),
        responses={200: TicketTypeSerializer, **error_responses(400, 401, 403, 404, 409)},
        description="Price and currency are locked once a ticket is sold (409 price_locked); "
                    "capacity cannot go below sold (409 capacity_below_sold).",
    )
    def patch(self, request, ref: str, ticket_type_id: int):
        ticket_type = self._get(request, ref, ticket_type_id, manage=True)
        serializer = TicketTypeWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        ticket_type = services.ticket_type_update(
            ticket_type=ticket_type, data=serializer.validated_data
        )
        return Response(TicketTypeSerializer(ticket_type).data)

    @extend_schema(
        summary="Delete an unsold ticket type",
        description="The event's organizer, or staff, deletes a ticket type no order holds.",
        operation_id="ticket_types_destroy",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request, ref: str, ticket_type_id: int):
        ticket_type = self._get(request, ref, ticket_type_id, manage=True)
        services.ticket_type_delete(ticket_type=ticket_type)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventSalesApi(TicketsApi):
    @extend_schema(
        summary="Sales figures of an event",
        description="For the event's organizer and staff: per ticket type and in total, the "
                    "capacity, tickets sold, tickets used at the door and revenue of confirmed "
                    "orders.",
        operation_id="events_sales",
        responses={200: EventSalesSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, ref: str):
        event = selectors.event_for_tickets(ref=ref, user=request.user, manage=True)
        return Response(EventSalesSerializer(selectors.event_sales(event=event)).data)


class EventCheckInApi(TicketsApi):
    @extend_schema(
        summary="Check a ticket in at the door",
        description="The event's organizer, or staff, admits the ticket whose code the scanner "
                    "read; a ticket is admitted once.",
        operation_id="events_check_in",
        request=CheckInSerializer,
        responses={
            200: CheckInResultSerializer,
            **error_responses(400, 401, 403, 404, 409, descriptions={
                404: "Unknown code, or a ticket of another event (ticket_not_found).",
                409: "already_checked_in (details.checked_in_at: the first scan) or "
                     "ticket_void (its order was cancelled).",
            }),
        },
    )
    def post(self, request, ref: str):
        event = selectors.event_for_tickets(ref=ref, user=request.user, manage=True)
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_check_in(
            event=event, code=serializer.validated_data["code"], actor=request.user
        )
        return Response(CheckInResultSerializer(ticket).data)


class OrderListApi(Pages, TicketsApi):
    @extend_schema(
        summary="List my orders",
        description="The caller's orders with their tickets, newest first.",
        operation_id="orders_list",
        responses={200: OrderSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(self.page(selectors.order_list(buyer=request.user), OrderSerializer))

    @extend_schema(
        summary="Buy tickets",
        description="Orders tickets of one published event; the Idempotency-Key makes a retry "
                    "return the order already made instead of buying again.",
        operation_id="orders_create",
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OrderSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 503, descriptions={
                400: "Invalid fields, a missing or malformed Idempotency-Key, "
                     "order_limit_exceeded, ticket_type_mismatch.",
                409: "sold_out (details: ticket_type, requested, available), sales_closed, "
                     "event_not_on_sale, price_changed, buyer_limit_reached (details: "
                     "ticket_type, max_per_buyer, held, requested).",
                422: "idempotency_key_reused.",
            }),
        },
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            raise ValidationError({"Idempotency-Key": [
                "This header is required: a new value for each order, the same on its retries."
            ]})
        if not IDEMPOTENCY_KEY.match(key):
            raise ValidationError(
                {"Idempotency-Key": ["Use one key of 1 to 255 visible ASCII characters, "
                                     "no comma."]}
            )
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order, _ = services.order_create(
            buyer=request.user,
            event_id=data["event"],
            lines=[services.OrderLine(i["ticket_type"], i["quantity"]) for i in data["items"]],
            idempotency_key=key,
        )
        order = selectors.order_get(order_id=order.pk, user=request.user)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(TicketsApi):
    @extend_schema(
        summary="Get an order",
        description="One of the caller's own orders with its tickets. Staff (operators) "
                    "read any order, for support; everyone else gets 404 for an order not "
                    "theirs.",
        operation_id="orders_retrieve",
        responses={200: OrderSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, order_id: int):
        order = selectors.order_get(order_id=order_id, user=request.user)
        return Response(OrderSerializer(order).data)


class OrderCancelApi(TicketsApi):
    @extend_schema(
        summary="Cancel an order",
        description="The buyer cancels an order until the event starts; its tickets become void "
                    "and their places go back on sale. Staff (operators) cancel any order, "
                    "also after the start; everyone else gets 404 for an order not theirs. "
                    "An order with a ticket already checked in is not cancelled.",
        operation_id="orders_cancel",
        request=None,
        responses={
            200: OrderSerializer,
            **error_responses(401, 403, 404, 409, descriptions={
                409: "already_cancelled, cancellation_closed (the event has started), or "
                     "tickets_used (details: tickets, the ids checked in).",
            }),
        },
    )
    def post(self, request, order_id: int):
        order = selectors.order_get(order_id=order_id, user=request.user)
        services.order_cancel(order=order, actor=request.user, as_operator=is_staff(request.user))
        # Read again: the cancellation voided the tickets prefetched with the order.
        return Response(OrderSerializer(selectors.order_get(order_id=order_id,
                                                            user=request.user)).data)


class TicketListApi(Pages, TicketsApi):
    @extend_schema(
        summary="List my tickets",
        operation_id="tickets_list",
        description="The buyer's tickets.",
        responses={200: TicketSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(self.page(selectors.ticket_list(buyer=request.user), TicketSerializer))


class TicketQrApi(TicketsApi):
    """The ticket's code as a QR code for the door scanner; check-in takes what it reads."""

    kind: str
    content_type: str

    def perform_content_negotiation(self, request, force=False):
        # The picture is the only success body; errors are JSON whatever the client accepts.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, ticket_id: int):
        import segno  # only the door needs it: kept off the cold start

        ticket = selectors.ticket_get_for_door(ticket_id=ticket_id, holder=request.user)
        response = HttpResponse(content_type=self.content_type)
        segno.make_qr(ticket.code, error="m").save(response, kind=self.kind, scale=8, border=4)
        response["Cache-Control"] = "private, no-store"
        return response


def _qr(kind: str, content_type: str):
    return extend_schema_view(get=extend_schema(
        operation_id=f"tickets_qr_{kind}",
        summary=f"The ticket's QR code ({kind.upper()})",
        description="The holder's own ticket code as a QR code to show at the door; "
                    "check-in accepts the text a scanner reads from it. A void ticket (its "
                    "order was cancelled) has none: 409 ticket_void, as check-in answers.",
        responses={(200, content_type): OpenApiTypes.BINARY, **error_responses(
            401, 403, 404, 409, descriptions={409: "ticket_void (its order was cancelled)."})},
    ))


@_qr("svg", "image/svg+xml")
class TicketQrSvgApi(TicketQrApi):
    kind, content_type = "svg", "image/svg+xml"


@_qr("png", "image/png")
class TicketQrPngApi(TicketQrApi):
    kind, content_type = "png", "image/png"
