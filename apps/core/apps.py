"""Django app config for core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
