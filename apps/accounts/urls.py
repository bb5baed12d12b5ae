"""API v1 routes of the accounts app."""

from django.urls import path

from apps.accounts import apis

urlpatterns: list = [
    path("me", apis.MeApi.as_view(), name="me"),
    path("me/avatar", apis.MeAvatarApi.as_view(), name="me-avatar"),
    path("me/avatar/uploads", apis.MeAvatarUploadApi.as_view(), name="me-avatar-uploads"),
    path("dev/jwks.json", apis.dev_jwks, name="dev-jwks"),
]
