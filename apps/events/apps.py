"""Django app config for events."""

import sys

from django.apps import AppConfig
from django.core.signals import request_started


def _retry_page_retirement(**kwargs):
    # Only a process that imported the page cache can owe a retirement; importing it here
    # would load DRF's renderers on every cold start.
    public_cache = sys.modules.get("apps.events.public_cache")
    if public_cache is not None:
        public_cache.retry_retirement()


class EventsConfig(AppConfig):
    name = "apps.events"

    def ready(self):
        from apps.accounts.moments import display_name_changed

        display_name_changed.register("apps.events.services.organizer_renamed")
        request_started.connect(_retry_page_retirement, dispatch_uid="page-retirement")
