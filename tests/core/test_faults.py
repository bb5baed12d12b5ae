"""Faults: a killed MySQL connection, an unreachable or hung cache, Secrets Manager errors."""

from __future__ import annotations

import statistics
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

from concert.config import redis_cache
from concert.db.backends.mysql.base import DatabaseWrapper
from concert.lambda_handler import handler
from tests.core.events import http_v2, lambda_context


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_mysql_connection_killed_between_requests_reconnects_on_the_next_one():
    import MySQLdb

    assert handler(http_v2("GET", "/health/ready"), lambda_context())["statusCode"] == 200
    killed = connection.connection.thread_id()
    db = settings.DATABASES["default"]
    killer = MySQLdb.connect(host=db["HOST"], port=int(db["PORT"]), user=db["USER"],
                             password=db["PASSWORD"])
    killer.cursor().execute(f"KILL {killed}")
    killer.close()

    response = handler(http_v2("GET", "/health/ready"), lambda_context())

    assert response["statusCode"] == 200, response["body"]
    assert connection.connection.thread_id() != killed


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
@pytest.mark.parametrize(("path", "retry_after", "message"), [
    ("/db-down/", "5", "The database is unavailable. Try again shortly."),
    # Two writes met on the same rows and the retries ran out: the database is up.
    ("/db-busy/", "1", "Too many changes at once; try again."),
])
def test_a_database_error_inside_a_view_is_a_json_503(path, retry_after, message):
    response = Client().get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == retry_after
    assert response.json() == {"error": {"code": "unavailable", "message": message,
                                         "details": {}}}


@pytest.mark.mysql
@pytest.mark.django_db
def test_secrets_manager_error_becomes_a_database_operational_error(aws):
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-missing-AbCdEf"
    wrapper = DatabaseWrapper({**settings.DATABASES["default"], "SECRET_ARN": missing,
                               "ENGINE": "concert.db.backends.mysql"}, alias="rds")
    with pytest.raises(OperationalError, match="database credentials unavailable"):
        wrapper.ensure_connection()



def read_times(client: Client, n: int, *, uncached: bool = False) -> list[float]:
    from django.core.cache import cache

    times = []
    for _ in range(n):
        if uncached:
            cache.clear()
        start = time.perf_counter()
        assert client.get("/api/v1/events").status_code == 200
        times.append(time.perf_counter() - start)
    return times


@pytest.mark.redis
@pytest.mark.django_db
def test_a_hung_redis_costs_one_short_timeout_then_the_cache_is_skipped(settings, hung_redis):
    from tests.events.factories import EventFactory

    EventFactory.create_batch(3)
    client = Client()
    read_times(client, 3)  # warm: imports, connections
    # With the cache away every read is a miss: the fair measure is a miss with Redis up.
    normal = statistics.median(read_times(client, 15, uncached=True))
    url, accepted = hung_redis
    settings.CACHES = {"default": redis_cache(url)}

    first = read_times(client, 1)[0]
    hung = statistics.median(read_times(client, 15))

    # One connection, one 50 ms timeout; the breaker then skipped every cache call.
    assert len(accepted) == 1
    assert 0.05 <= first < 0.5
    assert hung < 2 * normal, (hung, normal)
