"""The licensing admin writes through the services: key changes meet a new key's rules,
subscriptions drop the account's cached plan, revoking uses the API's revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.licensing.models import Scope, Subscription
from apps.licensing.selectors import plan_limits_for_user
from tests.accounts.factories import UserFactory
from tests.licensing.factories import PlanFactory, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, cognito_sub=None))
    return client


def key_form(key, **overrides) -> dict:
    expires_at = timezone.localtime(key.expires_at)
    return {"name": key.name, "scopes": key.scopes, "plan": key.plan_id or "",
            "expires_at_0": expires_at.date().isoformat(),
            "expires_at_1": expires_at.time().isoformat(timespec="seconds"), **overrides}


def test_a_key_is_changed_within_its_plans_lifetime(operator_client):
    key, _ = make_key(plan=PlanFactory(key_lifetime_days=30))
    page = f"/admin/licensing/licensekey/{key.pk}/change/"

    response = operator_client.post(page, key_form(key, name="Renamed",
                                                   scopes=[Scope.EVENTS_READ, Scope.FILES_READ]))
    key.refresh_from_db()
    assert response.status_code == 302
    assert (key.name, sorted(key.scopes)) == ("Renamed", sorted([Scope.EVENTS_READ,
                                                                 Scope.FILES_READ]))

    late = timezone.localtime(key.created_at + timedelta(days=31))
    response = operator_client.post(page, key_form(
        key, expires_at_0=late.date().isoformat(),
        expires_at_1=late.time().isoformat(timespec="seconds")))
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["expires_at"]
    assert message.startswith("Must be within 30 days (the plan's key lifetime): at the latest ")
    key.refresh_from_db()
    assert key.expires_at < late


def test_a_subscription_set_in_the_admin_applies_at_once(
    operator_client, django_capture_on_commit_callbacks
):
    user, plan = UserFactory(), PlanFactory(name="pro", daily_quota=99)
    assert plan_limits_for_user(user_id=user.pk).name != "pro"  # cached now

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post("/admin/licensing/subscription/add/",
                                        {"user": user.pk, "plan": plan.pk})

    assert response.status_code == 302
    assert Subscription.objects.get(user=user).plan == plan
    assert plan_limits_for_user(user_id=user.pk).name == "pro"


def test_revoking_in_the_admin_revokes_like_the_api(operator_client):
    key, _ = make_key()
    response = operator_client.post("/admin/licensing/licensekey/", {
        "action": "revoke", "_selected_action": [key.pk]}, follow=True)
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert [str(m) for m in response.context["messages"]] == ["Revoked 1 license key(s)."]
