"""Admin for users: roles, Cognito identity, searchable by email and sub."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "role", "cognito_sub", "is_staff", "date_joined")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email", "cognito_sub", "display_name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Concert", {"fields": ("role", "cognito_sub", "display_name", "bio")}),
    )
