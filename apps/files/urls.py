"""API v1 routes of the files app."""

urlpatterns: list = []
