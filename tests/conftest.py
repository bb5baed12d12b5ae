"""Shared fixtures: real MariaDB/Redis checks, moto's server for AWS, API clients, users."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from django.conf import settings
from django.db import connection

from tests.accounts.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("CONCERT_REQUIRE_SERVICES", "") == "1"


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    return f"concert: database {engine} {db.get('HOST', '')}, cache {cache}"


def pytest_sessionstart(session):
    if not REQUIRE_SERVICES:
        return
    vendor = connection.vendor
    if vendor != "mysql" or not settings.REDIS_URL:
        pytest.exit(
            f"CONCERT_REQUIRE_SERVICES=1 but the suite would run on {vendor} with "
            f"REDIS_URL={settings.REDIS_URL!r}: set DATABASE_URL=mysql://... and REDIS_URL",
            returncode=3,
        )


def pytest_collection_modifyitems(config, items):
    on_mysql = settings.DATABASES["default"]["ENGINE"].endswith("mysql")
    skip_mysql = pytest.mark.skip(
        reason="needs MySQL/MariaDB: set DATABASE_URL=mysql://user:pass@127.0.0.1:3306/concert"
    )
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15")
    for item in items:
        if "mysql" in item.keywords and not on_mysql:
            item.add_marker(skip_mysql)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """TEST_DB_SUFFIX lets several suite runs share one MariaDB server side by side."""
    suffix = os.environ.get("TEST_DB_SUFFIX")
    if suffix:
        from pytest_django.fixtures import _set_suffix_to_test_databases

        _set_suffix_to_test_databases(suffix)


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test gets its own pictures/files folders, an empty cache, a fast password hash.

    Rate limits stay on but far above the pace a test sends requests at; the throttling
    tests set their own. An outage a test makes (the cache's circuit breaker) ends with it.
    """
    from django.core.cache import cache

    from concert.cache import breaker_reset

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES, "100000/min")
    settings.MEDIA_ROOT = tmp_path / "pictures"
    settings.FILES_ROOT = tmp_path / "files"
    use_files_bucket(settings, "")
    breaker_reset()
    cache.clear()
    yield
    breaker_reset()
    cache.clear()


def use_files_bucket(settings, bucket: str) -> None:
    """User files in `bucket` on S3 (moto's server), or with "" in the local FILES_ROOT."""
    from concert.settings import files_storages

    settings.FILES_BUCKET = bucket
    settings.STORAGES = {**settings.STORAGES,
                         **files_storages(bucket=bucket, root=settings.FILES_ROOT,
                                          public_endpoint_url=settings.FILES_PUBLIC_ENDPOINT_URL)}


BUCKET = "concert-media-test"


@pytest.fixture
def s3(aws, settings):
    """The files storage (user files, picture uploads) on S3 (moto's server), with an empty
    bucket."""
    from concert import aws as concert_aws

    concert_aws.client("s3").create_bucket(Bucket=BUCKET)
    settings.FILES_PUBLIC_ENDPOINT_URL = ""
    use_files_bucket(settings, BUCKET)
    return concert_aws.client("s3")


@pytest.fixture
def local_files(settings):
    use_files_bucket(settings, "")
    return settings.FILES_ROOT


@pytest.fixture(params=["s3", "local"])
def backend(request):
    """Runs a test once against S3 (moto) and once against the local folder."""
    request.getfixturevalue("s3" if request.param == "s3" else "local_files")
    return request.param


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server():
    """moto's server on loopback: boto3 talks real HTTP to it through AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in _AWS_ENV}
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
    )
    yield endpoint
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_AWS_ENV = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION", "AWS_REGION")


@pytest.fixture
def aws(moto_server):
    """A clean moto account for one test, with fresh boto3 clients."""
    import urllib.request

    from concert import aws as concert_aws

    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset).read()
    concert_aws.client.cache_clear()
    concert_aws.forget_secrets()
    yield moto_server
    concert_aws.client.cache_clear()
    concert_aws.forget_secrets()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def user_client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def hung_server():
    """A port on loopback whose server accepts connections and never answers; and the list
    of connections it accepted."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def hung_redis(hung_server):
    """A Redis URL whose server accepts connections and never answers; and the list of
    connections it accepted."""
    port, accepted = hung_server
    return f"redis://127.0.0.1:{port}/0", accepted
