"""Django app config for licensing."""

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "apps.licensing"
