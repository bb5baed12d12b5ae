"""API v1 routes of the licensing app: the caller's license keys."""

from django.urls import path

from apps.licensing import apis

urlpatterns = [
    path("license-keys", apis.LicenseKeyListApi.as_view(), name="license-key-list"),
    path("license-keys/<int:key_id>", apis.LicenseKeyDetailApi.as_view(),
         name="license-key-detail"),
    path("license-keys/<int:key_id>/revoke", apis.LicenseKeyRevokeApi.as_view(),
         name="license-key-revoke"),
    path("license-keys/<int:key_id>/rotate", apis.LicenseKeyRotateApi.as_view(),
         name="license-key-rotate"),
]
