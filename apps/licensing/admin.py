"""Admin for plans, account plans and license keys (revocable, the hash never shown)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.core.admin import ServiceAdmin, adopt
from apps.licensing.models import LicenseKey, Plan, Scope, Subscription

# The admin is discovered at every start-up, API cold starts too: its actions import
# apps.licensing.services when they run, so the services load with the first admin write.


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "daily_quota", "group_quotas", "description", "updated_at")
    search_fields = ("name",)


@admin.register(Subscription)
class SubscriptionAdmin(ServiceAdmin):
    list_display = ("user", "plan", "updated_at")
    list_filter = ("plan",)
    list_select_related = ("user", "plan")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        from apps.licensing import services
        # The service also drops the cached plan limits of the account.
        adopt(obj, services.subscription_set(user=form.cleaned_data["user"],
                                             plan=form.cleaned_data["plan"]))


class LicenseKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = LicenseKey
        fields = ("name", "scopes", "plan", "expires_at")


@admin.register(LicenseKey)
class LicenseKeyAdmin(ServiceAdmin):
    form = LicenseKeyForm
    list_display = ("name", "owner", "prefix", "scopes", "plan", "created_at", "last_used_at",
                    "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "plan", "created_at")
    list_select_related = ("owner", "plan")
    search_fields = ("name", "prefix", "owner__username", "owner__email")
    fields = ("owner", "name", "prefix", "scopes", "plan", "created_at", "last_used_at",
              "expires_at", "revoked_at", "rotated_from")
    readonly_fields = ("owner", "prefix", "created_at", "last_used_at", "revoked_at",
                       "rotated_from")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # The full key is shown once to the account that creates it, through the API.
        return False

    def save_model(self, request, obj, form, change):
        from apps.licensing import services
        services.license_key_update(
            key=obj, data={name: form.cleaned_data[name] for name in form.changed_data
                           if name in services.KEY_FIELDS})

    @admin.action(description="Revoke selected license keys")
    def revoke(self, request, queryset) -> None:
        from apps.licensing import services
        self.run_service(request, queryset.filter(revoked_at__isnull=True),
                         lambda key: services.license_key_revoke(key=key), "Revoked")
