"""API v1 routes of the events app."""

urlpatterns: list = []
