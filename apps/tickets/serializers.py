"""Ticketing representations (read) and the fields clients may send (write)."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.text import validate_line
from apps.events.availability import Availability
from apps.events.serializers import AwareDateTimeField
from apps.tickets.models import Order, OrderItem, Ticket, TicketType
from concert.api import fields


class TicketTypeSerializer(serializers.ModelSerializer):
    """Everyone reads the availability word; the exact figures only the event's organizer
    and staff (context `figures`), others get null."""

    FIGURES = ("capacity", "sold", "available")
    _figure = "Organizer and staff only; null for everyone else."

    capacity = serializers.IntegerField(read_only=True, allow_null=True, help_text=_figure)
    sold = serializers.IntegerField(read_only=True, allow_null=True, help_text=_figure)
    available = serializers.IntegerField(read_only=True, allow_null=True, help_text=_figure)
    availability = serializers.ChoiceField(choices=Availability.choices, read_only=True)

    class Meta:
        model = TicketType
        fields = ("id", "event", "name", "description", "price", "currency", "capacity",
                  "sold", "available", "availability", "sales_start", "sales_end",
                  "max_per_order", "max_per_buyer", "created_at", "updated_at")
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("figures", True):
            data.update(dict.fromkeys(self.FIGURES))
        return data


class TicketTypeWriteSerializer(serializers.Serializer):
    """Price and currency are refused by the service once tickets are sold."""

    name = fields.CharField(max_length=100, validators=[validate_line])
    description = fields.CharField(max_length=500, required=False, allow_blank=True,
                                   validators=[validate_line])
    price = fields.DecimalField(
        max_digits=10, decimal_places=2, min_value=0,
        help_text='At most two decimal places, 0 or more; a zero with a minus ("-0.00") is '
                  '0.00.',
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", error_messages={"invalid": "Use an ISO 4217 code such as EUR."}
    )
    capacity = fields.IntegerField(min_value=1, max_value=1_000_000)
    sales_start = AwareDateTimeField()
    sales_end = AwareDateTimeField()
    max_per_order = fields.IntegerField(min_value=1, max_value=100, required=False)
    max_per_buyer = fields.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True,
        help_text="Most tickets of this type one buyer may hold across orders; null: no limit.",
    )

    def validate(self, attrs):
        start, end = attrs.get("sales_start"), attrs.get("sales_end")
        if start and end and end <= start:
            raise serializers.ValidationError({"sales_end": ["Must be after sales_start."]})
        return attrs


class OrderItemInputSerializer(serializers.Serializer):
    ticket_type = fields.IntegerField(min_value=1)
    quantity = fields.IntegerField(min_value=1, max_value=100)


class OrderCreateSerializer(serializers.Serializer):
    event = fields.IntegerField(min_value=1)
    items = OrderItemInputSerializer(many=True, allow_empty=False, max_length=20)

    def validate_items(self, items):
        ids = [item["ticket_type"] for item in items]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("List each ticket type once.")
        return items


class OrderItemSerializer(serializers.ModelSerializer):
    name = fields.CharField(source="ticket_type.name", read_only=True)

    class Meta:
        model = OrderItem
        fields = ("ticket_type", "name", "quantity", "unit_price")
        read_only_fields = fields


class OrderTicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ("id", "code", "ticket_type", "status", "checked_in_at")
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    tickets = OrderTicketSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ("id", "event", "status", "total", "currency", "items", "tickets",
                  "created_at", "cancelled_at")
        read_only_fields = fields


class TicketEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = fields.CharField()
    starts_at = serializers.DateTimeField()


class TicketTypeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = fields.CharField()


class TicketSerializer(serializers.ModelSerializer):
    ticket_type = TicketTypeSummarySerializer(read_only=True)
    event = TicketEventSerializer(source="ticket_type.event", read_only=True)

    class Meta:
        model = Ticket
        fields = ("id", "code", "status", "order", "event", "ticket_type", "checked_in_at")
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    code = fields.CharField(max_length=64, trim_whitespace=True)


class CheckInResultSerializer(serializers.ModelSerializer):
    ticket_type = TicketTypeSummarySerializer(read_only=True)

    class Meta:
        model = Ticket
        fields = ("id", "code", "status", "order", "ticket_type", "checked_in_at")
        read_only_fields = fields


class TicketTypeSalesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = fields.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = fields.CharField()
    capacity = serializers.IntegerField()
    sold = serializers.IntegerField()
    available = serializers.IntegerField()
    checked_in = serializers.IntegerField(help_text="Tickets used at the door.")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2)


class SalesTotalsSerializer(serializers.Serializer):
    capacity = serializers.IntegerField()
    sold = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2)


class EventSalesSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    currency = fields.CharField(allow_null=True)
    ticket_types = TicketTypeSalesSerializer(many=True)
    totals = SalesTotalsSerializer()
