"""AWS clients made on first use, and Secrets Manager values read once per process."""

from __future__ import annotations

import functools
import json
from typing import Any

# What one AWS call may cost a request, whose answer API Gateway stops waiting for after 30 s:
# a hung endpoint fails it after ATTEMPTS x (CONNECT + READ) seconds and one backoff of at
# most 1 s (botocore's standard retry mode), 21 s in all, where botocore's defaults (60 s
# reads, 3 or 5 attempts) would hold it for minutes and the client would get API Gateway's
# own 503 instead of the service's.
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 8
ATTEMPTS = 2


def client_config() -> Any:
    from botocore.config import Config

    return Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  retries={"total_max_attempts": ATTEMPTS, "mode": "standard"})


@functools.cache
def client(service: str) -> Any:
    # boto3 costs ~100 ms to import: it is loaded only when a request needs AWS.
    import boto3

    return boto3.session.Session().client(service, config=client_config())


@functools.cache
def secret_string(arn: str) -> str:
    return client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def secret_json(arn: str) -> dict[str, Any]:
    return json.loads(secret_string(arn))


def forget_secrets() -> None:
    """Drop the cached secrets so the next read fetches rotated values."""
    secret_string.cache_clear()
