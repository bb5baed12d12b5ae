"""The admin app as the project installs it: ModelAdmins registered when first needed."""

from django.contrib.admin import autodiscover
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


class AdminConfig(SimpleAdminConfig):
    """Django's admin without autodiscovery at start-up.

    Every app's admin module (and the services and forms it imports) loads with the admin's
    URLs (concert.admin_urls) or with the system checks, so an API request never pays for it.
    """

    def ready(self):
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def check_discovered_admin(app_configs, **kwargs):
    """Django's admin checks, run on the ModelAdmins of every app."""
    autodiscover()
    return check_admin_app(app_configs, **kwargs)
