"""Instants in errors' details and messages, written as the API writes every datetime."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with "Z", as DRF's DateTimeField writes it (TIME_ZONE is UTC)."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
