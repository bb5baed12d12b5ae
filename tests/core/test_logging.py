"""JSON-lines logs carry API Gateway's and Lambda's request ids."""

from __future__ import annotations

import io
import json
import logging

import pytest

from concert.api.logging import JsonFormatter, RequestIdFilter
from concert.lambda_handler import handler
from tests.core.events import http_v2, lambda_context


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
def test_error_log_line_is_json_with_both_request_ids():
    stream = io.StringIO()
    log_handler = logging.StreamHandler(stream)
    log_handler.setFormatter(JsonFormatter())
    log_handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(log_handler)
    try:
        response = handler(http_v2("GET", "/broken/"), lambda_context("lambda-42"))
    finally:
        logger.removeHandler(log_handler)

    assert response["statusCode"] == 500
    line = json.loads(stream.getvalue().splitlines()[0])
    assert line["level"] == "ERROR"
    assert line["logger"] == "django.request"
    assert line["request_id"] == "apigw-req-1"
    assert line["lambda_request_id"] == "lambda-42"
    assert "secret internals" in line["exc_info"]


def test_extra_fields_are_logged_and_anything_unserializable_as_text():
    stream = io.StringIO()
    log_handler = logging.StreamHandler(stream)
    log_handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("concert.test")
    logger.addHandler(log_handler)
    try:
        logger.warning("quota %s", "reached", extra={"usage_user": 7, "where": object()})
    finally:
        logger.removeHandler(log_handler)

    line = json.loads(stream.getvalue())
    assert (line["message"], line["usage_user"], line["request_id"]) == ("quota reached", 7, "")
    assert line["where"].startswith("<object object at")
    assert "exc_info" not in line
