"""Admin for daily usage (read-only: usage_flush writes it) and the flush ledger."""

from __future__ import annotations

from django.contrib import admin

from apps.usage.models import UsageDay, UsageFlush


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UsageDay)
class UsageDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "user", "license_key", "group", "count")
    list_filter = ("day", "group", ("user", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "license_key")
    search_fields = ("user__username", "user__email", "license_key__prefix")
    date_hierarchy = "day"


@admin.register(UsageFlush)
class UsageFlushAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "day", "token", "counters", "requests")
    list_filter = ("day",)
    date_hierarchy = "created_at"
