"""API v1 routes of the tickets app."""

urlpatterns: list = []
