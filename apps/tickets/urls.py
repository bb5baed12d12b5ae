"""API v1 routes of the tickets app."""

from django.urls import path

from apps.tickets import apis

urlpatterns = [
    path("events/<str:ref>/ticket-types", apis.TicketTypeListApi.as_view(),
         name="ticket-type-list"),
    path("events/<str:ref>/ticket-types/<int:ticket_type_id>",
         apis.TicketTypeDetailApi.as_view(), name="ticket-type-detail"),
    path("events/<str:ref>/sales", apis.EventSalesApi.as_view(), name="event-sales"),
    path("events/<str:ref>/check-in", apis.EventCheckInApi.as_view(),
         name="event-check-in"),
    path("orders", apis.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:order_id>", apis.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel", apis.OrderCancelApi.as_view(), name="order-cancel"),
    path("tickets", apis.TicketListApi.as_view(), name="ticket-list"),
    path("tickets/<int:ticket_id>/qr.svg", apis.TicketQrSvgApi.as_view(), name="ticket-qr-svg"),
    path("tickets/<int:ticket_id>/qr.png", apis.TicketQrPngApi.as_view(), name="ticket-qr-png"),
]
