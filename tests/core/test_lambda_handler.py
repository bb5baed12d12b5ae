"""The Lambda entry point with realistic API Gateway events and operations events."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.signals import request_started

from concert.lambda_handler import ManagementCommandFailed, handler
from tests.core.events import http_v2, lambda_context, rest_v1

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def call(event):
    response = handler(event, lambda_context())
    body = response.get("body", "")
    if response.get("isBase64Encoded"):
        return response, base64.b64decode(body)
    return response, body


def test_payload_v2_passes_cookies_repeated_query_keys_and_authorizer_claims():
    claims = {"sub": "abc-123", "cognito:groups": "[organizer]"}
    event = http_v2("GET", "/echo/", query="tag=rock&tag=jazz&q=a%20b",
                    cookies=["session=s1", "theme=dark"], claims=claims)

    response, body = call(event)

    assert response["statusCode"] == 200
    assert json.loads(body) == {
        "method": "GET", "path": "/echo/", "script_name": "",
        "query": {"tag": ["rock", "jazz"], "q": ["a b"]},
        "cookies": {"session": "s1", "theme": "dark"},
        "body": "", "claims": claims,
    }
    assert response["headers"]["x-request-id"] == "apigw-req-1"


def test_payload_v2_base64_body_reaches_django_as_bytes():
    raw = bytes(range(256))
    event = http_v2("POST", "/echo/", body=raw, binary=True,
                    headers={"content-type": "application/octet-stream"})

    response, body = call(event)

    assert response["statusCode"] == 200
    assert json.loads(body)["body"].encode("latin-1") == raw


def test_binary_response_is_base64_encoded():
    response, body = call(http_v2("GET", "/png/"))

    assert response["isBase64Encoded"] is True
    assert response["headers"]["content-type"] == "image/png"
    assert body == b"\x89PNG\r\n\x1a\n\x00\x01\xfe"


def test_named_stage_is_stripped_from_path_and_kept_for_reversed_urls():
    response, body = call(http_v2("GET", "/echo/", stage="prod"))
    assert json.loads(body)["path"] == "/prod/echo/"
    assert json.loads(body)["script_name"] == "/prod"

    response, _ = call(http_v2("GET", "/admin/", stage="prod"))
    assert response["statusCode"] == 302
    assert response["headers"]["location"] == "/prod/admin/login/?next=/prod/admin/"


def test_set_cookie_headers_come_back_as_v2_cookies():
    response, _ = call(http_v2("GET", "/admin/login/"))
    assert response["statusCode"] == 200
    assert [c.split("=")[0] for c in response["cookies"]] == ["csrftoken"]


def test_admin_static_files_are_served_through_the_handler():
    response, body = call(http_v2("GET", "/static/admin/css/base.css"))
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("text/css")
    assert b"body" in (body if isinstance(body, bytes) else body.encode())


def test_payload_v1_multi_value_query():
    response, body = call(rest_v1("GET", "/echo/", multi_query={"tag": ["a", "b"]}))
    assert response["statusCode"] == 200
    assert json.loads(body)["query"] == {"tag": ["a", "b"]}


def test_unknown_route_through_handler_is_the_json_envelope():
    response, body = call(http_v2("GET", "/nope"))
    assert response["statusCode"] == 404
    assert json.loads(body) == {
        "error": {"code": "not_found", "message": "Not found.", "details": {}}
    }


def test_warmup_is_answered_without_the_url_stack():
    seen = []

    def receiver(**kwargs):
        seen.append(kwargs)

    request_started.connect(receiver)
    try:
        assert handler({"warmup": True}, lambda_context()) == {"warm": True}
        scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        assert handler(scheduled, lambda_context()) == {"warm": True}
    finally:
        request_started.disconnect(receiver)
    assert seen == []


def test_manage_runs_an_allowed_command_and_returns_status_and_output():
    result = handler({"manage": ["showmigrations", "accounts"]}, lambda_context())
    assert result["exit_status"] == 0
    assert "0001_initial" in result["output"]


def test_a_failing_command_fails_the_invocation_with_its_output_in_the_log(caplog):
    # Lambda turns a raised exception into a function error: the Errors metric counts it and
    # an asynchronous (EventBridge) invocation is retried, then sent to the dead-letter queue.
    with pytest.raises(ManagementCommandFailed) as error:
        handler({"manage": ["migrate", "no_such_app"]}, lambda_context())
    assert str(error.value).startswith("manage ['migrate', 'no_such_app'] exited 1: ")
    assert "no_such_app" in str(error.value)
    logged = [r for r in caplog.records if r.name == "concert.lambda" and r.levelname == "ERROR"]
    assert len(logged) == 1
    assert "No installed app with label 'no_such_app'" in logged[0].getMessage()


@pytest.mark.parametrize("argv", [["flush", "--noinput"], ["shell"], [], "migrate", [1]])
def test_manage_refuses_commands_outside_the_allow_list(argv):
    with pytest.raises(ManagementCommandFailed, match=r"exited 2: "):
        handler({"manage": argv}, lambda_context())


def test_operator_is_created_through_the_function_with_a_one_time_password():
    from django.contrib.auth import authenticate

    payload = {"manage": ["operator_create", "--username", "ops", "--email", "ops@example.com"]}
    result = handler(payload, lambda_context())
    assert result["exit_status"] == 0, result["output"]
    password = result["output"].strip().rsplit(": ", 1)[1]
    operator = authenticate(username="ops", password=password)
    assert operator is not None and operator.is_superuser

    with pytest.raises(ManagementCommandFailed, match="already exists"):
        handler(payload, lambda_context())
