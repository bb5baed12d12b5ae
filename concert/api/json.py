"""JSON answers made outside DRF's views (errors, health, keys), encoded byte for byte as
DRF's renderer encodes the API's: compact, UTF-8, the same escapes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    from rest_framework.renderers import JSONRenderer

    return HttpResponse(JSONRenderer().render(data), status=status,
                        content_type="application/json")
