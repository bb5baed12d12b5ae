"""License keys at rest and on use: hashing, lookup, revoke, rotate, last use, plans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import InvalidFields, NotFound
from apps.licensing import keys
from apps.licensing.errors import (
    InvalidLicenseKey,
    LicenseKeyExpired,
    LicenseKeyInactive,
    LicenseKeyRevoked,
    TooManyLicenseKeys,
)
from apps.licensing.models import LicenseKey, Plan
from apps.licensing.selectors import (
    PlanLimits,
    license_key_from_raw,
    license_key_get,
    plan_limits_for_key,
    plan_limits_for_user,
)
from apps.licensing.services import (
    MAX_ACTIVE_KEYS,
    license_key_revoke,
    license_key_rotate,
    license_key_touch,
    subscription_set,
)
from tests.accounts.factories import UserFactory
from tests.licensing.factories import PlanFactory, make_key

pytestmark = pytest.mark.django_db


def test_only_a_keyed_hash_of_the_key_is_stored():
    key, raw = make_key(scopes=["usage:read", "events:read", "events:read"])

    assert raw.startswith(f"ck_live_{key.prefix}_")
    assert len(raw) == len("ck_live_") + 12 + 1 + 43  # 32 random bytes, url-safe
    stored = LicenseKey.objects.values().get(pk=key.pk)
    assert raw not in str(stored)
    assert stored["key_hash"] == keys.digest(raw) != keys.digest(raw, "another secret")
    assert stored["scopes"] == ["events:read", "usage:read"]


def test_the_raw_key_finds_its_row_and_nothing_else_does():
    key, raw = make_key()
    prefix_only = f"ck_live_{key.prefix}_{'A' * 43}"

    assert license_key_from_raw(raw_key=raw) == key
    for wrong in (prefix_only, raw[:-1], raw + "x", "ck_live_000000000000_abc", "Bearer x", "",
                  "ck_live_" + "_" * 200):
        with pytest.raises(InvalidLicenseKey) as err:
            license_key_from_raw(raw_key=wrong)
        assert type(err.value) is InvalidLicenseKey


def test_keys_hashed_under_a_previous_secret_key_still_work(settings):
    key, raw = make_key()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation"

    assert license_key_from_raw(raw_key=raw) == key


def test_revoked_and_expired_keys_are_refused_with_their_reason():
    revoked, revoked_raw = make_key()
    license_key_revoke(key=revoked)
    expired, expired_raw = make_key(expires_at=timezone.now() + timedelta(seconds=1))
    LicenseKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    with pytest.raises(LicenseKeyRevoked):
        license_key_from_raw(raw_key=revoked_raw)
    with pytest.raises(LicenseKeyExpired):
        license_key_from_raw(raw_key=expired_raw)


def test_keys_of_a_deactivated_account_stop_working():
    key, raw = make_key()
    key.owner.is_active = False
    key.owner.save()

    with pytest.raises(InvalidLicenseKey):
        license_key_from_raw(raw_key=raw)


def test_revoking_twice_keeps_the_first_revocation_time():
    key, _ = make_key()
    first = license_key_revoke(key=key).revoked_at

    assert license_key_revoke(key=LicenseKey.objects.get(pk=key.pk)).revoked_at == first


def test_rotation_revokes_the_old_key_and_carries_its_settings_over():
    plan = PlanFactory()
    old, old_raw = make_key(scopes=["tickets:read"], name="Box office", plan=plan,
                            expires_at=timezone.now() + timedelta(days=30))

    new, new_raw = license_key_rotate(key=old)

    old.refresh_from_db()
    assert old.revoked_at is not None and new.rotated_from == old
    assert (new.name, new.scopes, new.plan, new.expires_at, new.owner) == (
        "Box office", ["tickets:read"], plan, old.expires_at, old.owner)
    assert new.prefix != old.prefix and new_raw != old_raw
    assert license_key_from_raw(raw_key=new_raw) == new
    with pytest.raises(LicenseKeyRevoked):
        license_key_from_raw(raw_key=old_raw)
    with pytest.raises(LicenseKeyInactive):
        license_key_rotate(key=old)


def test_an_account_holds_a_bounded_number_of_active_keys():
    owner = UserFactory()
    for _ in range(MAX_ACTIVE_KEYS - 1):
        make_key(owner)
    last, _ = make_key(owner)

    with pytest.raises(TooManyLicenseKeys):
        make_key(owner)
    license_key_revoke(key=last)
    make_key(owner)


def test_scopes_outside_the_vocabulary_are_refused():
    with pytest.raises(InvalidFields) as err:
        make_key(scopes=["events:read", "admin:write"])
    assert err.value.details == {"scopes": ["Unknown scope: admin:write."]}


def test_last_use_is_written_once_per_period(django_assert_num_queries):
    key, _ = make_key()

    with django_assert_num_queries(1):
        license_key_touch(key=key)
    with django_assert_num_queries(0):
        license_key_touch(key=key)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_keys_of_other_accounts_read_as_missing():
    key, _ = make_key()

    with pytest.raises(NotFound):
        license_key_get(owner=UserFactory(), key_id=key.pk)


def test_plan_limits_come_from_the_subscription_then_the_default_plan(
    django_assert_num_queries, django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_assert_num_queries(1):
        assert plan_limits_for_user(user_id=user.pk) == PlanLimits("free", 10_000, {})
    with django_assert_num_queries(0):
        plan_limits_for_user(user_id=user.pk)

    gold = PlanFactory(name="gold", daily_quota=5, group_quotas={"orders": 2})
    with django_capture_on_commit_callbacks(execute=True):
        subscription_set(user=user, plan=gold)
    assert plan_limits_for_user(user_id=user.pk) == PlanLimits("gold", 5, {"orders": 2})

    own_plan = PlanFactory(name="feed", daily_quota=None)
    key, _ = make_key(user, plan=own_plan)
    shared, _ = make_key(user)
    assert plan_limits_for_key(key=key) == PlanLimits("feed", None, {})
    assert plan_limits_for_key(key=shared).name == "gold"


def test_without_a_default_plan_requests_are_unlimited(settings):
    settings.USAGE_DEFAULT_PLAN = "missing"

    assert plan_limits_for_user(user_id=UserFactory().pk).daily_quota is None


def test_default_plans_exist_after_migrating():
    assert list(Plan.objects.values_list("name", "daily_quota")) == [
        ("free", 10_000), ("partner", 200_000), ("unlimited", None)]
