"""AWS clients made on first use, and Secrets Manager values read once per process."""

from __future__ import annotations

import functools
import json
from typing import Any


@functools.cache
def client(service: str) -> Any:
    # boto3 costs ~100 ms to import: it is loaded only when a request needs AWS.
    import boto3

    return boto3.session.Session().client(service)


@functools.cache
def secret_string(arn: str) -> str:
    return client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def secret_json(arn: str) -> dict[str, Any]:
    return json.loads(secret_string(arn))


def forget_secrets() -> None:
    """Drop the cached secrets so the next read fetches rotated values."""
    secret_string.cache_clear()
