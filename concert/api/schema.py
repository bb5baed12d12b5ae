"""OpenAPI pieces every endpoint shares: the error envelope and its documented responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from concert.api.errors import CODES_BY_STATUS


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
