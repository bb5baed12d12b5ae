"""Daily API usage per account, license key and endpoint group, and the flush ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce


class UsageDay(models.Model):
    """Requests on one UTC day; `license_key` is empty for the account's own requests."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    license_key = models.ForeignKey("licensing.LicenseKey", on_delete=models.CASCADE,
                                    null=True, blank=True, related_name="+")
    # NULLs never collide in a unique index: the constraint uses 0 for "no key" instead.
    key_ref = models.GeneratedField(
        expression=Coalesce("license_key", 0), output_field=models.BigIntegerField(),
        db_persist=True,
    )
    group = models.CharField(max_length=40)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "group"]
        constraints = [
            models.UniqueConstraint(fields=["day", "user", "key_ref", "group"],
                                    name="usage_day_unique_counter"),
        ]
        indexes = [models.Index(fields=["user", "day"], name="usage_day_user_idx"),
                   models.Index(fields=["day", "group"], name="usage_day_group_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.group}: {self.count}"


class UsageFlush(models.Model):
    """A batch of counters applied to UsageDay; its token makes re-applying it a no-op."""

    token = models.CharField(max_length=32, unique=True)
    day = models.DateField()
    counters = models.PositiveIntegerField(default=0)
    requests = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.day} batch {self.token}"
