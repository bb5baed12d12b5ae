"""Liveness has no dependencies; readiness fails on the database and reports the cache."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.db.utils import OperationalError

from concert.config import redis_cache

DEAD_REDIS = redis_cache("redis://127.0.0.1:1/0")


def test_live_needs_nothing(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_reports_database_and_cache(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_ready_is_200_degraded_when_only_redis_is_down(client, settings):
    # The service answers without the cache (misses); a release or rollback must not wait
    # for it.
    settings.CACHES = {"default": DEAD_REDIS}
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded",
                               "checks": {"database": "ok", "cache": "unavailable"}}


@pytest.mark.django_db
def test_ready_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError(2003, "Can't connect")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["error"]["details"] == {"database": "unavailable", "cache": "ok"}


def test_cache_outage_is_a_miss_and_is_logged(settings, caplog):
    settings.CACHES = {"default": DEAD_REDIS}
    with caplog.at_level(logging.WARNING, logger="concert.cache"):
        cache.set("k", "v")
        assert cache.get("k") is None
    assert any(r.name == "concert.cache" for r in caplog.records)


@pytest.mark.redis
def test_cache_is_the_real_redis_server():
    from django_redis import get_redis_connection

    cache.set("probe", "1", 10)
    assert get_redis_connection("default").ttl(cache.make_key("probe")) > 0
