"""Writes of license keys (create, revoke, rotate, last use) and of account plans."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import RANK, Role, lower_role
from apps.core.errors import InvalidFields
from apps.core.instants import iso_utc
from apps.licensing import keys
from apps.licensing.errors import (
    LicenseKeyInactive,
    TooManyLicenseKeys,
)
from apps.licensing.models import KEY_ROLE_CEILING, LicenseKey, Plan, Scope, Subscription
from apps.licensing.selectors import key_lifetime_days, plan_cache_key

KEY_FIELDS = ("name", "scopes", "plan", "expires_at")
MAX_ACTIVE_KEYS = 20
# last_used_at is written at most once per key in this many seconds, not on every request.
LAST_USED_RESOLUTION_SECONDS = 300


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = set(scopes)
    unknown = sorted(chosen - set(Scope.values))
    if unknown or not chosen:
        raise InvalidFields(details={"scopes": [f"Unknown scope: {s}." for s in unknown]
                                     or ["Choose at least one scope."]})
    return sorted(chosen)


def _active(queryset, now: datetime):
    return queryset.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def _expiry(*, owner_id: int, plan: Plan | None, expires_at: datetime | None,
            since: datetime) -> datetime:
    """When a key made at `since` expires: as asked, within its plan's key lifetime."""
    lifetime = key_lifetime_days(owner_id=owner_id, plan=plan)
    latest = since + timedelta(days=lifetime)
    if expires_at is not None and expires_at > latest:
        raise InvalidFields(details={"expires_at": [
            f"Must be within {lifetime} days (the plan's key lifetime): "
            f"at the latest {iso_utc(latest)}."]})
    return expires_at or latest


@transaction.atomic
def license_key_create(*, owner, name: str, scopes: Iterable[str],
                       expires_at: datetime | None = None,
                       plan: Plan | None = None) -> tuple[LicenseKey, str]:
    """A new key and its raw value, which is returned here once and never stored.

    The key lives as long as its plan (its own, else the owner's) allows: it expires then
    unless an earlier expiry is asked for. It acts with the owner's role, at most organizer.
    """
    scopes = _clean_scopes(scopes)
    now = timezone.now()
    # Serialises key creation per account so concurrent requests cannot pass the limit.
    role = get_user_model().objects.select_for_update().values_list("role", flat=True).get(
        pk=owner.pk
    )
    if _active(LicenseKey.objects.filter(owner=owner), now).count() >= MAX_ACTIVE_KEYS:
        raise TooManyLicenseKeys()
    expires_at = _expiry(owner_id=owner.pk, plan=plan, expires_at=expires_at, since=now)
    raw, prefix, key_hash = keys.generate()
    key = LicenseKey.objects.create(
        owner=owner, name=name, scopes=scopes, expires_at=expires_at, plan=plan,
        prefix=prefix, key_hash=key_hash, role=lower_role(role, KEY_ROLE_CEILING),
    )
    return key, raw


@transaction.atomic
def license_key_update(*, key: LicenseKey, data: dict[str, Any]) -> LicenseKey:
    """An operator's change (the admin): name, scopes, plan and expiry, under the rules a
    new key meets; the lifetime counts from the key's creation."""
    key = LicenseKey.objects.select_for_update().get(pk=key.pk)
    changed = [field for field in KEY_FIELDS if field in data]
    for field in changed:
        setattr(key, field, data[field])
    key.scopes = _clean_scopes(key.scopes)
    key.expires_at = _expiry(owner_id=key.owner_id, plan=key.plan, expires_at=key.expires_at,
                             since=key.created_at)
    key.save(update_fields=[*changed, "scopes", "expires_at", "updated_at"])
    return key


def license_keys_revoke_above(*, owner_id: int, role: str) -> int:
    """Revokes the owner's keys made under a role above `role` (the owner lost it);
    returns how many."""
    above = [r for r in Role if RANK[r] > RANK[Role(role)]]
    return _active(LicenseKey.objects.filter(owner_id=owner_id, role__in=above),
                   timezone.now()).update(revoked_at=timezone.now(), updated_at=timezone.now())


@transaction.atomic
def license_key_revoke(*, key: LicenseKey) -> LicenseKey:
    """Revokes the key; revoking a revoked key changes nothing."""
    locked = LicenseKey.objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
    key.revoked_at, key.updated_at = locked.revoked_at, locked.updated_at
    return key


@transaction.atomic
def license_key_rotate(*, key: LicenseKey) -> tuple[LicenseKey, str]:
    """A successor with the same name, scopes, plan and expiry; the old key is revoked."""
    locked = LicenseKey.objects.select_for_update().get(pk=key.pk)
    if not locked.is_active:
        raise LicenseKeyInactive()
    raw, prefix, key_hash = keys.generate()
    successor = LicenseKey.objects.create(
        owner_id=locked.owner_id, name=locked.name, scopes=locked.scopes, role=locked.role,
        plan_id=locked.plan_id, expires_at=locked.expires_at, prefix=prefix,
        key_hash=key_hash, rotated_from=locked,
    )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at", "updated_at"])
    return successor, raw


def license_key_touch(*, key: LicenseKey) -> None:
    """Records that the key was used, at most once per resolution period."""
    if not cache.add(f"licensing:last-used:{key.pk}", 1, LAST_USED_RESOLUTION_SECONDS):
        return
    now = timezone.now()
    LicenseKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now


@transaction.atomic
def subscription_set(*, user, plan: Plan) -> Subscription:
    subscription, _ = Subscription.objects.update_or_create(user=user, defaults={"plan": plan})
    transaction.on_commit(lambda: cache.delete(plan_cache_key(user.pk)))
    return subscription
