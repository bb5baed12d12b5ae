"""Plans with quotas, the plan each account is on, and partner license keys."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import Role
from apps.core.models import ExactCharField, TimeStampedModel
from apps.core.text import validate_line

# What a key may do at most: an organizer's own events and orders. Staff and admin powers
# are never reachable with a key, whoever made it.
KEY_ROLE_CEILING = Role.ORGANIZER
DEFAULT_KEY_LIFETIME_DAYS = 90


class Scope(models.TextChoices):
    EVENTS_READ = "events:read", "Read events"
    EVENTS_WRITE = "events:write", "Write events"
    TICKETS_READ = "tickets:read", "Read tickets and orders"
    TICKETS_WRITE = "tickets:write", "Write tickets and orders"
    FILES_READ = "files:read", "Read files"
    FILES_WRITE = "files:write", "Write files"
    USAGE_READ = "usage:read", "Read API usage"


class Plan(TimeStampedModel):
    """A daily request quota, overall and optionally per endpoint group."""

    name = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True, validators=[validate_line])
    daily_quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests per UTC day; empty means unlimited.",
    )
    group_quotas = models.JSONField(
        default=dict, blank=True,
        help_text='Requests per UTC day per endpoint group, e.g. {"orders": 500}.',
    )
    key_lifetime_days = models.PositiveIntegerField(
        default=DEFAULT_KEY_LIFETIME_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Days a new license key lives, and the longest expiry one may ask for.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        quotas = self.group_quotas
        if not isinstance(quotas, dict) or not all(
            isinstance(group, str) and isinstance(limit, int) and not isinstance(limit, bool)
            and limit >= 0 for group, limit in quotas.items()
        ):
            raise ValidationError(
                {"group_quotas": 'Map endpoint groups to request counts, e.g. {"orders": 500}.'}
            )


class Subscription(TimeStampedModel):
    """The plan an account is on; accounts without one are on settings.USAGE_DEFAULT_PLAN."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription",
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")

    def __str__(self) -> str:
        return f"{self.user} on {self.plan}"


class LicenseKey(TimeStampedModel):
    """A partner's API key. Only a keyed hash of the secret is stored."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="license_keys",
    )
    name = models.CharField(max_length=80, validators=[validate_line])
    # Public part of the key, used to find the row before the hash is compared.
    prefix = ExactCharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.FAN, editable=False,
        help_text="The owner's role when the key was made, capped at organizer; the key "
                  "acts with the lower of this and the owner's current role.",
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="license_keys",
        help_text="A plan of its own, metered apart from the owner; empty shares the owner's.",
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    rotated_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="rotated_to",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="licensing_key_owner_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=[Role.FAN, KEY_ROLE_CEILING]),
                                   name="licensing_key_role_at_most_organizer"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def throttle_buckets(self) -> list[tuple[str, object]]:
        """The rate limits a request with this key counts against (concert.api.throttling):
        the key's own, and its owner's keys' together, so more keys make no more requests."""
        return [("key", self.pk), ("partner", self.owner_id)]

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
