"""Redis connections that fail fast: a circuit breaker in front of every cache call.

Sockets time out after REDIS_TIMEOUT (tens of milliseconds: the cache answers in about one
within the VPC), and the first failure opens the breaker for REDIS_BREAKER_SECONDS: every
cache call in that time fails at once, without touching the network, and the callers
carry on as on a miss (django-redis ignores the error; the rate limit lets the request
through). So a hung or unreachable Redis costs one timeout per process per period, not one
per call. The state is per process and per server, which on Lambda is one instance.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from redis.connection import Connection, ConnectionPool, SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_open_until: dict[str, float] = {}


class CacheSkipped(RedisConnectionError):
    """Raised instead of connecting while the breaker is open."""


def breaker_reset() -> None:
    """Closes every breaker (tests, and operators after a fix)."""
    with _lock:
        _open_until.clear()


class CircuitBreakerMixin:
    host: str
    port: int

    @property
    def _server(self) -> str:
        return f"{self.host}:{self.port}"

    def _guarded(self, call, *args, **kwargs):
        until = _open_until.get(self._server)
        if until is not None:
            if time.monotonic() < until:
                raise CacheSkipped(f"Redis at {self._server} is skipped for a while after a "
                                   "failure")
            with _lock:
                _open_until.pop(self._server, None)
        try:
            return call(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            self._trip(exc)
            raise

    def _trip(self, exc: Exception) -> None:
        seconds = settings.REDIS_BREAKER_SECONDS
        with _lock:
            already_open = _open_until.get(self._server, 0) > time.monotonic()
            _open_until[self._server] = time.monotonic() + seconds
        if not already_open:
            logger.warning("cache at %s skipped for %s s after: %s", self._server, seconds, exc)

    def connect(self):
        return self._guarded(super().connect)

    def send_packed_command(self, command, check_health=True):
        return self._guarded(super().send_packed_command, command, check_health)

    def read_response(self, *args, **kwargs):
        return self._guarded(super().read_response, *args, **kwargs)


class BreakerConnection(CircuitBreakerMixin, Connection):
    """redis:// connections."""


class BreakerSSLConnection(CircuitBreakerMixin, SSLConnection):
    """rediss:// connections (ElastiCache Serverless)."""


class BreakerConnectionPool(ConnectionPool):
    """The pool django-redis makes (CONNECTION_POOL_CLASS), of breaker connections."""

    @classmethod
    def from_url(cls, url: str, **kwargs):
        tls = url.startswith("rediss://")
        kwargs["connection_class"] = BreakerSSLConnection if tls else BreakerConnection
        return super().from_url(url, **kwargs)
