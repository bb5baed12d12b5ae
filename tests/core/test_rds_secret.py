"""RDS credentials come from a Secrets Manager secret (moto's server), read once per process."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from concert import aws as concert_aws
from concert.db.backends.mysql.base import DatabaseWrapper

pytestmark = [pytest.mark.mysql, pytest.mark.django_db]


def rds_settings(arn: str) -> dict:
    db = settings.DATABASES["default"]
    return {
        **db, "ENGINE": "concert.db.backends.mysql", "SECRET_ARN": arn,
        "USER": "", "PASSWORD": "", "NAME": db["NAME"], "CONN_MAX_AGE": 0,
        "OPTIONS": {k: v for k, v in db["OPTIONS"].items() if k != "ssl_mode"},
    }


def count_secret_reads():
    calls = []
    concert_aws.client("secretsmanager").meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **kw: calls.append(1)
    )
    return calls


def create_secret(password: str) -> str:
    secret = {"username": settings.DATABASES["default"]["USER"], "password": password,
              "engine": "mysql"}
    return concert_aws.client("secretsmanager").create_secret(
        Name="rds!db-concert", SecretString=json.dumps(secret)
    )["ARN"]


def test_connects_with_the_secret_and_reads_it_once(aws):
    arn = create_secret(settings.DATABASES["default"]["PASSWORD"])
    calls = count_secret_reads()
    for _ in range(2):
        wrapper = DatabaseWrapper(rds_settings(arn), alias="rds")
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT CURRENT_USER()")
            assert cursor.fetchone()[0].startswith(settings.DATABASES["default"]["USER"] + "@")
        wrapper.close()
    assert len(calls) == 1
    assert concert_aws.secret_json(arn)["username"] == settings.DATABASES["default"]["USER"]


def test_rotated_password_is_read_again_after_access_denied(aws):
    arn = create_secret("stale-password")
    concert_aws.secret_json(arn)  # the process now holds the stale password
    concert_aws.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=json.dumps(
        {"username": settings.DATABASES["default"]["USER"],
         "password": settings.DATABASES["default"]["PASSWORD"]}))

    wrapper = DatabaseWrapper(rds_settings(arn), alias="rds")
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    wrapper.close()
