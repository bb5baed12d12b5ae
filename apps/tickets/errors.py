"""Domain errors of ticketing, rendered by concert.api.errors into the JSON envelope."""

from rest_framework import status

from apps.core.errors import ApplicationError, Conflict, InvalidState, NotFound


class SoldOut(Conflict):
    code = "sold_out"
    default_message = "Not enough tickets left."


class PriceChanged(Conflict):
    code = "price_changed"
    default_message = "A ticket price changed while ordering; read the ticket types again."


class SalesClosed(Conflict):
    code = "sales_closed"
    default_message = "Ticket sales for this type are not open."


class EventNotOnSale(Conflict):
    code = "event_not_on_sale"
    default_message = "Tickets can only be ordered for published events."


class OrderLimitExceeded(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "order_limit_exceeded"
    default_message = "Too many tickets of one type in one order."


class BuyerLimitReached(Conflict):
    code = "buyer_limit_reached"
    default_message = "This order would take the buyer past the ticket type's per-buyer limit."


class TicketTypeMismatch(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "ticket_type_mismatch"
    default_message = "Every ticket type must belong to the ordered event."


class IdempotencyKeyReused(ApplicationError):
    status_code, code = status.HTTP_422_UNPROCESSABLE_ENTITY, "idempotency_key_reused"
    default_message = "This Idempotency-Key was used with a different request body."


class OrderAlreadyCancelled(InvalidState):
    code = "already_cancelled"
    default_message = "The order is already cancelled."


class CancellationClosed(InvalidState):
    code = "cancellation_closed"
    default_message = "Orders can only be cancelled before the event starts."


class TicketsUsed(InvalidState):
    code = "tickets_used"
    default_message = "An order with a ticket already used at the door cannot be cancelled."


class PriceLocked(InvalidState):
    code = "price_locked"
    default_message = "Price and currency cannot change once tickets are sold."


class CapacityBelowSold(InvalidState):
    code = "capacity_below_sold"
    default_message = "Capacity cannot go below the number of tickets sold."


class TicketTypeInUse(InvalidState):
    code = "ticket_type_in_use"
    default_message = "A ticket type with sales cannot be deleted."


class CurrencyMismatch(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "currency_mismatch"
    default_message = "All ticket types of an event use one currency."


class EventClosed(InvalidState):
    code = "event_closed"
    default_message = "Ticket types of cancelled or completed events cannot change."


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_message = "No ticket with this code for this event."


class TicketVoid(Conflict):
    code = "ticket_void"
    default_message = "The ticket's order was cancelled."


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    default_message = "The ticket was already checked in."


class TicketTypeNameTaken(Conflict):
    code = "name_taken"
    default_message = "The event already has a ticket type with this name."


class InvalidSalesWindow(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "invalid_sales_window"
    default_message = "The sales window must end after it starts and by the end of the event."
