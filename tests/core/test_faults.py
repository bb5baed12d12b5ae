"""Faults: a killed MySQL connection, an unreachable cache, Secrets Manager errors."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

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
def test_database_outage_inside_a_view_is_a_json_503():
    response = Client().get("/db-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"error": {
        "code": "unavailable",
        "message": "The database is unavailable. Try again shortly.",
        "details": {},
    }}


@pytest.mark.mysql
@pytest.mark.django_db
def test_secrets_manager_error_becomes_a_database_operational_error(aws):
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-missing-AbCdEf"
    wrapper = DatabaseWrapper({**settings.DATABASES["default"], "SECRET_ARN": missing,
                               "ENGINE": "concert.db.backends.mysql"}, alias="rds")
    with pytest.raises(OperationalError, match="database credentials unavailable"):
        wrapper.ensure_connection()

