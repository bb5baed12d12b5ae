"""AWS calls are held to what one API request may take: a hung endpoint fails them fast."""

from __future__ import annotations

import time

import pytest

from apps.core import storage
from apps.core.errors import StorageUnavailable
from concert import aws
from tests.conftest import use_files_bucket

# HTTP APIs stop waiting for their integration after 30 s, a quota that cannot be raised:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
# ("Maximum integration timeout: 30 seconds, No").
API_GATEWAY_TIMEOUT = 30
STANDARD_MODE_FIRST_BACKOFF = 1  # botocore's standard retries: random() * 2 ** 0 seconds


def test_a_hung_endpoint_fails_an_aws_call_well_inside_api_gateways_wait():
    worst = (aws.ATTEMPTS * (aws.CONNECT_TIMEOUT + aws.READ_TIMEOUT)
             + (aws.ATTEMPTS - 1) * STANDARD_MODE_FIRST_BACKOFF)
    assert worst <= API_GATEWAY_TIMEOUT - 5  # and leaves the request time to answer
    assert aws.ATTEMPTS == 2  # one retry: only the first backoff counts above


@pytest.mark.django_db
def test_a_hung_s3_makes_the_files_storage_give_up_after_its_attempts(
        hung_server, settings, monkeypatch):
    """The storage's client carries the limits: against a server that never answers, a
    call is refused after `ATTEMPTS` connections and the read limit each, as a 503."""
    port, accepted = hung_server
    monkeypatch.setattr(aws, "READ_TIMEOUT", 0.3)
    monkeypatch.setattr(aws, "CONNECT_TIMEOUT", 0.3)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    use_files_bucket(settings, "hung-bucket")

    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        storage.stat(key="uploads/files/1/x/y.bin")

    assert len(accepted) == aws.ATTEMPTS
    assert time.monotonic() - started < 10  # botocore's defaults would wait minutes

