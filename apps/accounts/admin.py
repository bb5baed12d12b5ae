"""Admin for users: roles, Cognito identity, searchable by email and sub, avatar preview.

Operators sign in here with Django's own login (createsuperuser, or a superuser grants
is_staff). The role of a Cognito user is read-only here: it follows their Cognito groups on
every request, so change the groups in the user pool instead. Unticking "active" refuses the user's
tokens from the next request on.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html

from apps.accounts.models import User
from apps.accounts.roles import RANK, Role
from apps.core.pictures import picture_url

# The admin is discovered at every start-up, API cold starts too: its actions import
# apps.accounts.services when they run, so the services load with the first admin write.


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "role", "cognito_sub", "is_active", "is_staff",
                    "date_joined")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "cognito_sub", "display_name")
    readonly_fields = ("cognito_sub", "avatar_preview", "last_login", "date_joined")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Concert", {"fields": ("role", "cognito_sub", "display_name", "bio",
                                "avatar_preview")}),
    )

    def save_model(self, request, obj, form, change):
        from apps.accounts import services
        # Django's own save (passwords, groups, permissions), then the services' follow-ups
        # when an operator lowered a role or renamed the user; the admin's transaction holds
        # them all.
        super().save_model(request, obj, form, change)
        before = form.initial.get("role")
        if change and "role" in form.changed_data and RANK[Role(obj.role)] < RANK[Role(before)]:
            services.user_role_lowered(user_id=obj.pk, role=obj.role)
        if change and "display_name" in form.changed_data:
            services.user_renamed(user_id=obj.pk)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "role") if obj is not None and obj.cognito_sub else fields

    @admin.display(description="Avatar")
    def avatar_preview(self, user: User) -> str:
        if not user.avatar_thumbnail:
            return "—"
        return format_html(
            '<a href="{}"><img src="{}" alt="" style="max-height: 96px"></a>',
            picture_url(user.avatar), picture_url(user.avatar_thumbnail),
        )
