"""Ticketing models: ticket types with capacity, orders, tickets with codes, idempotency keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.core.models import ExactCharField, TimeStampedModel
from apps.core.text import validate_line
from apps.events import availability
from apps.events.models import Event


class TicketType(TimeStampedModel):
    """What a buyer can order for one event. `sold` only moves through conditional updates."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE,
                              related_name="ticket_types")
    name = models.CharField(max_length=100, validators=[validate_line])
    description = models.CharField(max_length=500, blank=True, validators=[validate_line])
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. EUR.")
    capacity = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0, editable=False)
    sales_start = models.DateTimeField()
    sales_end = models.DateTimeField()
    max_per_order = models.PositiveSmallIntegerField(default=10)
    max_per_buyer = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Most tickets of this type one buyer may hold across their orders; "
                  "empty for no limit.",
    )

    class Meta:
        ordering = ["event_id", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(sold__lte=F("capacity")),
                                   name="tickets_type_sold_lte_capacity"),
            models.CheckConstraint(condition=Q(sold__gte=0), name="tickets_type_sold_gte_0"),
            models.CheckConstraint(condition=Q(price__gte=0), name="tickets_type_price_gte_0"),
            models.CheckConstraint(condition=Q(sales_end__gt=F("sales_start")),
                                   name="tickets_type_window_ordered"),
            models.CheckConstraint(condition=Q(max_per_order__gte=1),
                                   name="tickets_type_max_per_order_gte_1"),
            models.CheckConstraint(condition=Q(max_per_buyer__gte=1) | Q(max_per_buyer=None),
                                   name="tickets_type_max_per_buyer_gte_1"),
            models.UniqueConstraint(fields=["event", "name"], name="tickets_type_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.event_id})"

    @property
    def available(self) -> int:
        return self.capacity - self.sold

    @property
    def availability(self) -> availability.Availability:
        """What the public reads instead of the figures (its event must be loaded)."""
        return availability.of_ticket_type(self, timezone.now())


class OrderStatus(models.TextChoices):
    # No payment is taken: orders are created confirmed. A payment provider would add
    # "pending" (seats held, committed) before "confirmed", the provider's authorization
    # made outside the transaction with the order id as its idempotency key, and a job
    # cancelling orders left pending too long.
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class Order(TimeStampedModel):
    Status = OrderStatus

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="orders")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices,
                              default=OrderStatus.CONFIRMED)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "status"], name="tickets_order_event_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values),
                                   name="tickets_order_status_valid"),
            models.CheckConstraint(condition=Q(total__gte=0), name="tickets_order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(status=OrderStatus.CANCELLED) | Q(cancelled_at__isnull=True),
                name="tickets_order_cancelled_at_only_when_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.status})"


class OrderItem(models.Model):
    """One line of an order: how many of a type, at the price it had when sold."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # No database foreign key to the ticket type (here and on Ticket): InnoDB's check would
    # share-lock the ticket type's row on every insert, and `order_create` writes items and
    # tickets before it takes that row for its conditional update; two orders holding the
    # shared lock and each wanting the exclusive one would deadlock. The conditional update
    # in the same transaction proves the row exists and locks it to the commit; deletes go
    # through PROTECT and `ticket_type_delete`, which refuses a ticket type with items.
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="items",
                                    db_constraint=False)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1),
                                   name="tickets_item_quantity_gte_1"),
            models.CheckConstraint(condition=Q(unit_price__gte=0),
                                   name="tickets_item_unit_price_gte_0"),
            models.UniqueConstraint(fields=["order", "ticket_type"],
                                    name="tickets_item_type_once_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.ticket_type_id}"


class TicketStatus(models.TextChoices):
    VALID = "valid", "Valid"
    USED = "used", "Used"  # checked in at the door
    VOID = "void", "Void"  # its order was cancelled


class Ticket(TimeStampedModel):
    Status = TicketStatus

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets",
                                    db_constraint=False)  # see OrderItem.ticket_type
    code = ExactCharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=8, choices=TicketStatus.choices,
                              default=TicketStatus.VALID)
    checked_in_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, editable=False, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values),
                                   name="tickets_ticket_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=TicketStatus.USED) | Q(checked_in_at__isnull=False),
                name="tickets_ticket_used_has_checked_in_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} ({self.status})"


class IdempotencyKey(models.Model):
    """A buyer's `Idempotency-Key` for order creation; the unique row decides concurrent
    retries. Rows live for settings.IDEMPOTENCY_KEY_TTL seconds and are then ignored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = ExactCharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="tickets_idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class EventSales(Event):
    """The catalogue's events seen from the box office (admin: sales per event)."""

    class Meta:
        proxy = True
        verbose_name = "event sales"
        verbose_name_plural = "event sales"
