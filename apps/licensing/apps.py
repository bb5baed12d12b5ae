"""Django app config for licensing."""

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "apps.licensing"

    def ready(self):
        from apps.accounts.moments import role_lowered

        role_lowered.register("apps.licensing.services.license_keys_revoke_above")
