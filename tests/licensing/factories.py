"""factory_boy factories for plans, and license keys made through the real service."""

from __future__ import annotations

import factory

from apps.licensing.models import LicenseKey, Plan, Scope
from apps.licensing.services import license_key_create
from tests.accounts.factories import UserFactory


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"plan-{n}")
    daily_quota = 1000
    group_quotas = factory.LazyFunction(dict)


def make_key(owner=None, *, scopes=(Scope.EVENTS_READ,), name="Partner feed",
             **fields) -> tuple[LicenseKey, str]:
    """A key and its raw value, exactly as an account gets them from the API."""
    return license_key_create(owner=owner or UserFactory(), name=name, scopes=scopes, **fields)
