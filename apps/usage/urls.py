"""API v1 routes of the usage app: the usage report."""

from django.urls import path

from apps.usage import apis

urlpatterns = [
    path("usage", apis.UsageApi.as_view(), name="usage-report"),
]
