"""Realistic API Gateway events (HTTP API payload 2.0 and REST payload 1.0) for handler tests."""

from __future__ import annotations

import base64
from types import SimpleNamespace


def lambda_context(request_id: str = "lambda-req-1"):
    return SimpleNamespace(aws_request_id=request_id, function_name="concert-prod-api",
                           get_remaining_time_in_millis=lambda: 30000)


def http_v2(method: str, path: str, *, query: str = "", headers: dict | None = None,
            cookies: list[str] | None = None, body: bytes | str | None = None,
            binary: bool = False, stage: str = "$default", claims: dict | None = None) -> dict:
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
            "user-agent": "curl/8.5.0",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "curl/8.5.0"},
            "requestId": "apigw-req-1",
            "routeKey": "$default",
            "stage": stage,
            "time": "22/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795341600000,
        },
        "isBase64Encoded": binary,
    }
    if cookies:
        event["cookies"] = cookies
    if body is not None:
        raw = body if isinstance(body, bytes) else body.encode()
        event["body"] = base64.b64encode(raw).decode() if binary else raw.decode()
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


def rest_v1(method: str, path: str, *, multi_query: dict | None = None) -> dict:
    return {
        "version": "1.0",
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Host": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "multiValueHeaders": {"Host": ["abc123.execute-api.eu-west-1.amazonaws.com"],
                              "X-Forwarded-Proto": ["https"]},
        "queryStringParameters": {k: v[-1] for k, v in (multi_query or {}).items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {"requestId": "apigw-v1-req", "stage": "prod",
                           "identity": {"sourceIp": "203.0.113.9"}},
        "body": None,
        "isBase64Encoded": False,
    }
