"""OpenAPI pieces every endpoint shares: the error envelope and its documented responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from concert.api.errors import CODES_BY_STATUS
from concert.api.paths import is_partner_path


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()


def error_responses(
    *status_codes: int, descriptions: dict[int, str] | None = None
) -> dict[int, OpenApiResponse]:
    """`responses=` entries for error statuses, each the envelope with a description."""
    descriptions = descriptions or {}
    return {
        code: OpenApiResponse(
            ErrorEnvelopeSerializer,
            description=descriptions.get(code, CODES_BY_STATUS.get(code, ("", "Error."))[1]),
        )
        for code in status_codes
    }


# Answers any /api/v1 operation can give whatever its view does: credentials are checked,
# quotas counted and dependencies reached before the view runs.
SHARED_ERRORS = {
    "401": "Credentials were sent but are not valid (token or license key).",
    "403": "The caller may not do this (role, ownership or license key scope).",
    "429": "Quota or rate limit reached; Retry-After says when to try again.",
    "503": "A dependency (database, identity provider, storage) is unavailable.",
}
PAGE_ERRORS = {
    "400": "The page number is not an integer of 1 or more, or the page size not one from 1 "
           "to 100.",
    "404": "The page is past the last one.",
}
BODY_ERRORS = {
    "400": "The body is malformed or has invalid fields.",
    "413": "The body is larger than the service accepts.",
    "415": "The body's content type is not accepted.",
}


def add_shared_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: shared, page and body errors on every operation."""
    envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            paginated = any(p.get("name") == "page" and p.get("in") == "query"
                            for p in operation.get("parameters", []))
            shared = {**SHARED_ERRORS, **(PAGE_ERRORS if paginated else {}),
                      **(BODY_ERRORS if "requestBody" in operation else {})}
            for code, description in shared.items():
                responses.setdefault(code, {"description": description, "content": envelope})
    return result


def without_partner_paths(endpoints):
    """drf-spectacular preprocessing hook: each operation once, under /api/v1 (the schema's
    description says partners use it under /partner/v1)."""
    return [endpoint for endpoint in endpoints if not is_partner_path(endpoint[0])]


def complete_for_tools(result, generator, request, public):
    """drf-spectacular postprocessing hook: what third-party tools read into the contract.

    - `servers`: the service itself (a relative URL: the host that served the schema);
    - a nullable reference (`allOf: [$ref]` beside `nullable`, which OpenAPI 3.0 leaves
      without a `type` and so lint tools refuse, and which some generators read as never
      null) becomes `oneOf: [$ref, NullEnum]`, the form drf-spectacular already gives
      nullable choices: validators, linters and generated clients all read it as "or null".
    """
    result.setdefault("servers", [{"url": "/", "description": "This service"}])
    null = {"$ref": "#/components/schemas/NullEnum"}
    rewritten = []

    def visit(node):
        if isinstance(node, dict):
            refs = node.get("allOf") or []
            if node.get("nullable") and "type" not in node and len(refs) == 1 and "$ref" in refs[0]:
                rewritten.append(refs[0]["$ref"])
                del node["allOf"], node["nullable"]
                node["oneOf"] = [refs[0], null]
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    if rewritten:
        result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "NullEnum", {"enum": [None]}
        )
    return result
