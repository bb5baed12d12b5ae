"""Django app config for usage."""

from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "apps.usage"
