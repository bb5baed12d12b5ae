"""JSON-lines logs carrying the API Gateway request id and the Lambda request id."""

from __future__ import annotations

import contextvars
import json
import logging

request_id = contextvars.ContextVar("request_id", default="")
lambda_request_id = contextvars.ContextVar("lambda_request_id", default="")

# What every LogRecord has; anything else on a record came from `extra=` and is logged too.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "lambda_request_id",
}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.lambda_request_id = lambda_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, both request ids, the
    record's `extra` fields, and the traceback as `exc_info` when there is one.

    A few lines of the standard library's Formatter rather than a logging package: it
    would cost every cold start its import (≈ 10 ms) for the same output."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "lambda_request_id": getattr(record, "lambda_request_id", ""),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _RECORD_FIELDS)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
