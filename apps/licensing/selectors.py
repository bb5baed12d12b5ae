"""Reads of license keys and of the quota limits that apply to a request."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet

from apps.accounts.roles import lower_role
from apps.core.errors import NotFound
from apps.licensing import keys
from apps.licensing.errors import InvalidLicenseKey, LicenseKeyExpired, LicenseKeyRevoked
from apps.licensing.models import DEFAULT_KEY_LIFETIME_DAYS, LicenseKey, Plan, Subscription

logger = logging.getLogger(__name__)

# Plan changes reach requests within this many seconds (the limits are cached per account).
PLAN_CACHE_SECONDS = 60


@dataclass(frozen=True)
class PlanLimits:
    """The quotas of one plan, as the metering path needs them."""

    name: str
    daily_quota: int | None = None
    group_quotas: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> PlanLimits:
        return cls(plan.name, plan.daily_quota, dict(plan.group_quotas or {}))


UNLIMITED = PlanLimits("")


def license_key_list(*, owner) -> QuerySet[LicenseKey]:
    return LicenseKey.objects.filter(owner=owner).select_related("plan")


def license_key_get(*, owner, key_id: int) -> LicenseKey:
    """One of the owner's keys; anyone else's reads as missing."""
    key = license_key_list(owner=owner).filter(pk=key_id).first()
    if key is None:
        raise NotFound("No such license key.")
    return key


def license_key_from_raw(*, raw_key: str) -> LicenseKey:
    """The active key a partner sent, or InvalidLicenseKey (revoked/expired are told apart)."""
    prefix = keys.prefix_of(raw_key)
    key = None
    if prefix is not None:
        key = (
            LicenseKey.objects.select_related("owner", "plan")
            .filter(prefix=prefix)
            .first()
        )
    if not keys.matches(raw_key, key.key_hash if key else None):
        raise InvalidLicenseKey()
    if key.revoked_at is not None:
        raise LicenseKeyRevoked()
    if key.is_expired:
        raise LicenseKeyExpired()
    if not key.owner.is_active:
        raise InvalidLicenseKey()
    return key


def plan_limits_for_user(*, user_id: int) -> PlanLimits:
    """The account's plan, or settings.USAGE_DEFAULT_PLAN; one query per cache period."""
    cache_key = plan_cache_key(user_id)
    limits = cache.get(cache_key)
    if limits is not None:
        return limits
    default = settings.USAGE_DEFAULT_PLAN
    assigned = Subscription.objects.filter(user_id=user_id).values("plan_id")
    plans = list(Plan.objects.filter(Q(pk__in=assigned) | Q(name=default)))
    chosen = next((p for p in plans if p.name != default), None) or next(iter(plans), None)
    if chosen is None:
        logger.warning("default plan %r does not exist: requests are not limited", default)
        limits = UNLIMITED
    else:
        limits = PlanLimits.of(chosen)
    cache.set(cache_key, limits, PLAN_CACHE_SECONDS)
    return limits


def plan_limits_for_key(*, key: LicenseKey) -> PlanLimits:
    if key.plan_id is not None:
        return PlanLimits.of(key.plan)
    return plan_limits_for_user(user_id=key.owner_id)


def key_lifetime_days(*, owner_id: int, plan: Plan | None = None) -> int:
    """How long a new key lives: its own plan's lifetime, else its owner's plan's."""
    if plan is not None:
        return plan.key_lifetime_days
    default = settings.USAGE_DEFAULT_PLAN
    assigned = Subscription.objects.filter(user_id=owner_id).values("plan_id")
    lifetimes = dict(Plan.objects.filter(Q(pk__in=assigned) | Q(name=default))
                     .values_list("name", "key_lifetime_days"))
    chosen = next((d for n, d in lifetimes.items() if n != default), lifetimes.get(default))
    return chosen or DEFAULT_KEY_LIFETIME_DAYS


def key_user(*, key: LicenseKey):
    """The owner as the key acts: with the lower of the key's role and the owner's current
    one, so a key never does more than its owner may now, nor anything only staff may.

    The role is lowered on this in-memory instance only (it is the request's user).
    """
    owner = key.owner
    owner.role = lower_role(owner.role, key.role)
    return owner


def plan_cache_key(user_id: int) -> str:
    return f"licensing:plan:u{user_id}"
