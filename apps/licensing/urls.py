"""API v1 routes of the licensing app."""

urlpatterns: list = []
