"""Admin: orders with their tickets and a cancel action, ticket types, sales per event."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import DecimalField, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin import ServiceAdmin
from apps.tickets.models import (
    EventSales,
    Order,
    OrderItem,
    OrderStatus,
    Ticket,
    TicketType,
)

# The admin is discovered at every start-up, API cold starts too: its actions import
# apps.tickets.services when they run, so the services load with the first admin write.


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("ticket_type", "quantity", "unit_price")


class TicketInline(ReadOnlyInline):
    model = Ticket
    fields = ("code", "ticket_type", "status", "checked_in_at", "checked_in_by")


@admin.register(Order)
class OrderAdmin(ServiceAdmin):
    list_display = ("id", "buyer", "event", "status", "total", "currency", "created_at")
    list_filter = ("status",)
    search_fields = ("=id", "buyer__email", "buyer__username", "event__title")
    list_select_related = ("buyer", "event")
    readonly_fields = ("buyer", "event", "status", "total", "currency", "created_at",
                       "cancelled_at")
    fields = readonly_fields
    inlines = (OrderItemInline, TicketInline)
    actions = ("cancel_orders",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Cancel selected orders (release their tickets)")
    def cancel_orders(self, request, queryset):
        from apps.tickets import services
        self.run_service(
            request, queryset.filter(status=OrderStatus.CONFIRMED),
            lambda order: services.order_cancel(order=order, actor=request.user,
                                                as_operator=True),
            "Cancelled",
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Figures to look at; changes go through the services behind the API."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketType)
class TicketTypeAdmin(ReadOnlyAdmin):
    """Read-only: organizers change ticket types through the API, where the price lock and
    the capacity rules are enforced."""

    list_display = ("name", "event", "price", "currency", "capacity", "sold", "sales_start",
                    "sales_end", "max_per_order", "max_per_buyer")
    list_filter = ("currency", "event")
    search_fields = ("name", "event__title")
    list_select_related = ("event",)


@admin.register(EventSales)
class EventSalesAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "starts_at", "tickets_sold", "tickets_capacity",
                    "revenue_display", "ticket_types_link")
    list_filter = ("status",)
    search_fields = ("title",)
    ordering = ("-starts_at",)

    def get_queryset(self, request):
        types = TicketType.objects.filter(event=OuterRef("pk")).order_by().values("event")
        revenue = (
            OrderItem.objects.filter(order__event=OuterRef("pk"),
                                     order__status=OrderStatus.CONFIRMED)
            .order_by().values("order__event")
            .annotate(total=Sum(F("quantity") * F("unit_price")))
            .values("total")
        )
        money = DecimalField(max_digits=14, decimal_places=2)
        return super().get_queryset(request).annotate(
            sold=Coalesce(Subquery(types.annotate(n=Sum("sold")).values("n"),
                                   output_field=IntegerField()), 0),
            capacity=Coalesce(Subquery(types.annotate(n=Sum("capacity")).values("n"),
                                       output_field=IntegerField()), 0),
            revenue=Subquery(revenue, output_field=money),
            currency=Subquery(TicketType.objects.filter(event=OuterRef("pk"))
                              .values("currency")[:1]),
        )

    @admin.display(description="sold", ordering="sold")
    def tickets_sold(self, obj) -> int:
        return obj.sold

    @admin.display(description="capacity", ordering="capacity")
    def tickets_capacity(self, obj) -> int:
        return obj.capacity

    @admin.display(description="revenue", ordering="revenue")
    def revenue_display(self, obj) -> str:
        return f"{obj.revenue or 0:.2f} {obj.currency or ''}".strip()

    @admin.display(description="ticket types")
    def ticket_types_link(self, obj) -> str:
        url = reverse("admin:tickets_tickettype_changelist")
        return format_html('<a href="{}?event__id__exact={}">per type</a>', url, obj.pk)
