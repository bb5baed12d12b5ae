"""API v1 routes of the accounts app."""

urlpatterns: list = []
