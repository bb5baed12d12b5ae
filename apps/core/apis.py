"""Health endpoints: liveness with no dependencies, readiness of database and cache."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework import status

from apps.core.selectors import dependency_status
from concert.api.errors import error_response


@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    checks = dependency_status()
    failed = sorted(name for name, state in checks.items() if state != "ok")
    if failed:
        return error_response(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "not_ready",
            f"Unavailable: {', '.join(failed)}.",
            checks,
        )
    return JsonResponse({"status": "ok", "checks": checks})
