"""API v1 routes of the usage app."""

urlpatterns: list = []
