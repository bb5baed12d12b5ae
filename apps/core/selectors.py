"""Readiness of the service's dependencies: the database and the cache."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def dependency_status() -> dict[str, str]:
    """Each dependency → "ok" or "unavailable"."""
    return {"database": _database(), "cache": _cache()}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("readiness: database unavailable")
        return "unavailable"
    return "ok"


def _cache() -> str:
    # django-redis ignores connection errors on purpose; readiness asks the server directly.
    try:
        client = getattr(cache, "client", None)
        if client is not None and hasattr(client, "get_client"):
            client.get_client(write=True).ping()
        else:
            cache.set("health:ready", "1", 5)
    except Exception:
        logger.exception("readiness: cache unavailable")
        return "unavailable"
    return "ok"
