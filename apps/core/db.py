"""Whole transactions run again when MySQL reports a lock conflict: one retry policy."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

from apps.core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

# MySQL error numbers worth a fresh attempt: lock wait timeout, deadlock.
RETRYABLE_DB_ERRORS = frozenset({1205, 1213})
ATTEMPTS = 4

P = ParamSpec("P")
R = TypeVar("R")


def retry_on_lock_conflict(
    *, busy_message: str = ServiceUnavailable.default_message
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Runs a whole transaction again, after a short jittered pause, when MySQL picks it as
    a deadlock victim or a lock wait times out; after ATTEMPTS it answers ServiceUnavailable
    with `busy_message`. An outer transaction is doomed by then, so inside one it re-raises.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            retry = not transaction.get_connection().in_atomic_block
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return func(*args, **kwargs)
                except OperationalError as exc:
                    if not retry or not exc.args or exc.args[0] not in RETRYABLE_DB_ERRORS:
                        raise
                    if attempt == ATTEMPTS:
                        raise ServiceUnavailable(busy_message) from exc
                    logger.warning("%s: attempt %d met a lock conflict", func.__name__, attempt)
                    time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter)
            raise AssertionError("unreachable")

        return run

    return decorate
