"""Django app config for tickets."""

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "apps.tickets"

    def ready(self):
        from apps.events.moments import event_cancelled

        event_cancelled.register("apps.tickets.services.order_cancel_all_for_event")
