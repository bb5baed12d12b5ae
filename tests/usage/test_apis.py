"""Metering of API requests, daily quotas (429 + Retry-After) and the usage report."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.licensing.services import subscription_set
from apps.usage.counters import counters
from apps.usage.models import UsageDay
from concert.config import redis_cache
from tests.accounts.factories import UserFactory
from tests.licensing.factories import PlanFactory, make_key

pytestmark = pytest.mark.django_db


def live(user) -> dict:
    return counters().day_totals(day=timezone.now().date(), user_id=user.pk)


def key_client(raw: str) -> Client:
    return Client(headers={"X-Api-Key": raw})


def test_each_request_is_counted_once_per_group_whatever_its_outcome(user_client, user):
    key, raw = make_key(user, scopes=["usage:read"])

    assert user_client.get("/api/v1/license-keys").status_code == 200
    assert user_client.get("/api/v1/license-keys/999999").status_code == 404
    assert user_client.post("/api/v1/license-keys", {}, format="json").status_code == 400
    assert user_client.get("/api/v1/usage", {"from": "nope"}).status_code == 400
    assert key_client(raw).get("/api/v1/usage").status_code == 200
    assert key_client(raw).get("/api/v1/license-keys").status_code == 403  # scope refused

    assert live(user) == {(None, "license-keys"): 3, (None, "usage"): 1,
                          (key.pk, "usage"): 1, (key.pk, "license-keys"): 1}


def test_unauthenticated_and_non_api_requests_are_not_metered(api_client, user):
    api_client.get("/api/v1/license-keys")
    key_client("ck_live_000000000000_nope").get("/api/v1/usage")
    api_client.force_authenticate(user)
    api_client.get("/health/live")

    assert live(user) == {}


def test_past_the_daily_quota_requests_get_429_until_midnight(user_client, user,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscription_set(user=user, plan=PlanFactory(name="tiny", daily_quota=2))

    statuses = [user_client.get("/api/v1/license-keys").status_code for _ in range(2)]
    refused = user_client.get("/api/v1/license-keys")
    own_usage = user_client.get("/api/v1/usage")  # never refused by the quota

    assert statuses == [200, 200]
    assert own_usage.status_code == 200
    assert refused.status_code == 429
    assert refused.json() == {"error": {
        "code": "quota_exceeded",
        "message": "The daily quota of 2 requests of plan 'tiny' is used up; "
                   "it resets at 00:00 UTC.",
        "details": {},
    }}
    now = timezone.now()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert abs(int(refused["Retry-After"]) - (midnight - now).total_seconds()) <= 2
    assert live(user) == {(None, "license-keys"): 3, (None, "usage"): 1}


def test_group_quotas_and_keys_with_a_plan_of_their_own(user_client, user):
    subscription_set(user=user, plan=PlanFactory(name="small", daily_quota=100,
                                                 group_quotas={"events": 1}))
    _own, own_raw = make_key(user, scopes=["events:read"],
                            plan=PlanFactory(name="feed", daily_quota=1))
    _shared, shared_raw = make_key(user, scopes=["events:read"])

    assert user_client.get("/api/v1/events").status_code == 200
    refused = key_client(shared_raw).get("/api/v1/events")  # shares the account's quota
    assert refused.status_code == 429
    assert refused.json()["error"]["message"] == (
        "The daily quota of 1 'events' requests of plan 'small' is used up; "
        "it resets at 00:00 UTC.")
    assert user_client.get("/api/v1/license-keys").status_code == 200
    assert key_client(own_raw).get("/api/v1/events").status_code == 200  # its own quota
    assert key_client(own_raw).get("/api/v1/events").status_code == 429


def test_refused_requests_do_not_count_against_the_quota_and_usage_stays_readable(
    user_client, user,
):
    subscription_set(user=user, plan=PlanFactory(name="mixed", daily_quota=3,
                                                 group_quotas={"license-keys": 1}))

    keys = [user_client.get("/api/v1/license-keys").status_code for _ in range(4)]
    others = [user_client.get("/api/v1/events").status_code for _ in range(3)]
    usage = [user_client.get("/api/v1/usage") for _ in range(2)]

    # The three refused key listings used none of the day's three: two events fit.
    assert keys == [200, 429, 429, 429]
    assert others == [200, 200, 429]
    assert [r.status_code for r in usage] == [200, 200]
    assert live(user) == {(None, "license-keys"): 4, (None, "events"): 3, (None, "usage"): 2}


def test_report_merges_flushed_days_with_todays_live_counts(user_client, user):
    today = timezone.now().date()
    key, raw = make_key(user, scopes=["usage:read"])
    UsageDay.objects.create(day=today - timedelta(days=3), user=user, group="events", count=7)
    UsageDay.objects.create(day=today - timedelta(days=3), user=user, license_key=key,
                            group="events", count=2)
    UsageDay.objects.create(day=today - timedelta(days=9), user=user, group="events", count=1)
    UsageDay.objects.create(day=today, user=UserFactory(), group="events", count=5)
    user_client.get("/api/v1/license-keys")

    response = user_client.get("/api/v1/usage")

    assert response.status_code == 200
    assert response.json() == {
        "from": str(today - timedelta(days=6)), "to": str(today), "user": user.pk,
        "license_key": None, "total": 11,
        "results": [
            {"day": str(today - timedelta(days=3)), "group": "events", "license_key": None,
             "count": 7},
            {"day": str(today - timedelta(days=3)), "group": "events", "license_key": key.pk,
             "count": 2},
            {"day": str(today), "group": "license-keys", "license_key": None, "count": 1},
            {"day": str(today), "group": "usage", "license_key": None, "count": 1},
        ],
    }
    by_key = key_client(raw).get("/api/v1/usage", {"group": "events"}).json()
    assert (by_key["license_key"], by_key["total"]) == (key.pk, 2)


def test_staff_read_any_account_others_only_their_own(api_client, user):
    UsageDay.objects.create(day=timezone.now().date(), user=user, group="events", count=4)
    api_client.force_authenticate(UserFactory(staff=True))
    assert api_client.get("/api/v1/usage", {"user": user.pk}).json()["total"] == 4
    assert api_client.get("/api/v1/usage", {"user": 999999}).status_code == 404

    api_client.force_authenticate(UserFactory())
    response = api_client.get("/api/v1/usage", {"user": user.pk})
    assert response.status_code == 403
    assert response.json() == {"error": {
        "code": "permission_denied", "message": "Only staff may read another account's usage.",
        "details": {}}}


@pytest.mark.parametrize(("query", "details"), [
    ({"from": "2024-02-30"}, {"from": ["Date has wrong format. Use one of these formats "
                                       "instead: YYYY-MM-DD."]}),
    ({"from": "2024-03-02", "to": "2024-03-01"}, {"from": ["Must not be after `to`."]}),
    ({"from": "2024-01-01", "to": "2024-12-31"}, {"from": ["Ask for at most 92 days at a time."]}),
    ({"group": "../x", "user": "0"},
     {"group": ["This value does not match the required pattern."],
      "user": ["Ensure this value is greater than or equal to 1."]}),
])
def test_report_refuses_bad_queries(user_client, query, details):
    response = user_client.get("/api/v1/usage", query)

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid",
                                         "message": "The request has invalid fields.",
                                         "details": details}}


def test_with_the_cache_down_requests_are_served_and_the_loss_is_logged(
    settings, user_client, user, caplog,
):
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:9/0")}

    with caplog.at_level(logging.WARNING, logger="apps.usage"):
        first = user_client.get("/api/v1/license-keys")
        second = user_client.get("/api/v1/usage")

    assert first.status_code == second.status_code == 200
    assert second.json()["results"] == []
    lost = [r.getMessage() for r in caplog.records if r.name == "apps.usage.services"]
    assert lost[0].startswith(f"usage not metered: user={user.pk} key=None group=license-keys (")
    assert lost[1] == (f"usage not metered: user={user.pk} key=None group=usage "
                       "(Redis at 127.0.0.1:9 is skipped for a while after a failure)")
