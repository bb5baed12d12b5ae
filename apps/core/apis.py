"""The service's front door (a JSON index of where things are) and health endpoints:
liveness with no dependencies, readiness of the database (the cache only reported)."""

from __future__ import annotations

from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework import status

from apps.core.selectors import dependency_status
from concert.api.errors import error_response
from concert.api.json import json_response


@require_GET
def index(request):
    """Where to go from `/`: docs, schema, health and the API's roots."""
    links = {name: request.build_absolute_uri(reverse(name))
             for name in ("docs", "schema", "health-live", "health-ready")}
    return json_response({
        "name": "Concert API",
        "docs": links["docs"],
        "schema": links["schema"],
        "health": {"live": links["health-live"], "ready": links["health-ready"]},
        "api": request.build_absolute_uri("/api/v1"),
        "partner_api": request.build_absolute_uri("/partner/v1"),
        "events": request.build_absolute_uri(reverse("event-list")),
    })


@never_cache
@require_GET
def live(request):
    return json_response({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """503 only for what the service cannot work without (the database); without the cache
    it serves every request (as cache misses), so a cache outage is a 200 "degraded"."""
    checks = dependency_status()
    if checks["database"] != "ok":
        return error_response(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "not_ready",
            "Unavailable: database.",
            checks,
        )
    degraded = any(state != "ok" for state in checks.values())
    return json_response({"status": "degraded" if degraded else "ok", "checks": checks})
