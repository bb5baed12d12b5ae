"""JSON-lines logs carrying the API Gateway request id and the Lambda request id."""

from __future__ import annotations

import contextvars
import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id = contextvars.ContextVar("request_id", default="")
lambda_request_id = contextvars.ContextVar("lambda_request_id", default="")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.lambda_request_id = lambda_request_id.get()
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s "
            "%(lambda_request_id)s"
        )
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level",
                                             "name": "logger"})
        super().__init__(*args, **kwargs)
