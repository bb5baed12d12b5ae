"""Django app config for events."""

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"

    def ready(self):
        from apps.accounts.services import display_name_changed

        display_name_changed.register("apps.events.services.organizer_renamed")
