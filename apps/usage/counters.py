"""Hot usage counters: Redis when the cache is Redis, the local-memory cache otherwise.

Per UTC day three structures are counted on every metered request, all under the day's
hash tag so multi-key operations stay on one cluster slot (ElastiCache Serverless):
- `counts`, a hash `user:key:group → n` that usage_flush moves to the database: a flush
  atomically renames it to a batch, so each increment lands in exactly one batch;
- `user:<id>`, a hash `key:group → n` with the whole day's totals for reports (never drained);
- `quota:<bucket>`, a hash with the total (`*`) and per-group counts the quota is checked on.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.conf import settings

# Undrained counts expire after this many days; a flush looks back as far.
RETENTION_DAYS = 7
REPORT_DAYS = 2


class CountersUnavailable(Exception):
    """The counter store did not answer; metering is lost for this request."""


def day_end(day: date) -> int:
    """Epoch seconds of the end of `day` (UTC)."""
    moment = datetime.combine(day + timedelta(days=1), dtime.min, tzinfo=UTC)
    return int(moment.timestamp())


def field_of(user_id: int, key_id: int | None, group: str) -> str:
    return f"{user_id}:{key_id or 0}:{group}"


def parse_field(field: str) -> tuple[int, int | None, str]:
    user_id, key_id, group = field.split(":", 2)
    return int(user_id), int(key_id) or None, group


class _Keys:
    def __init__(self, prefix: str, day: date):
        base = f"{prefix}:usage:{{{day.isoformat()}}}"
        self.counts = f"{base}:counts"
        self.batches = f"{base}:batches"
        self.batch_base = f"{base}:batch:"
        self.user_base = f"{base}:user:"
        self.quota_base = f"{base}:quota:"


# Moves the day's live counts to a batch and records the batch's lease, in one step.
_OPEN_BATCH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('ZADD', KEYS[3], ARGV[1], KEYS[2])
redis.call('EXPIREAT', KEYS[3], ARGV[2])
return 1
"""

# Batches whose lease ran out (their flush died) are taken over with a fresh lease.
_CLAIM_STALE = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, name in ipairs(stale) do redis.call('ZADD', KEYS[1], ARGV[2], name) end
return stale
"""


class RedisCounters:
    def __init__(self):
        from django_redis import get_redis_connection
        from redis.exceptions import RedisError

        self.client = get_redis_connection("default")
        self.errors = RedisError
        self.prefix = settings.CACHES["default"].get("KEY_PREFIX") or "concert"

    def _run(self, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except self.errors as exc:
            raise CountersUnavailable(str(exc)) from exc

    def record(self, *, day: date, user_id: int, key_id: int | None, group: str,
               bucket: str) -> tuple[int, int]:
        keys, end = _Keys(self.prefix, day), day_end(day)

        def run():
            pipe = self.client.pipeline(transaction=True)
            pipe.hincrby(keys.counts, field_of(user_id, key_id, group), 1)
            pipe.expireat(keys.counts, end + RETENTION_DAYS * 86400)
            pipe.hincrby(f"{keys.user_base}{user_id}", f"{key_id or 0}:{group}", 1)
            pipe.expireat(f"{keys.user_base}{user_id}", end + REPORT_DAYS * 86400)
            pipe.hincrby(f"{keys.quota_base}{bucket}", "*", 1)
            pipe.hincrby(f"{keys.quota_base}{bucket}", group, 1)
            pipe.expireat(f"{keys.quota_base}{bucket}", end + 3600)
            results = pipe.execute()
            return results[4], results[5]

        return self._run(run)

    def quota_release(self, *, day: date, bucket: str, group: str) -> None:
        """Takes one request back out of the quota bucket (one the quota refused)."""
        name = f"{_Keys(self.prefix, day).quota_base}{bucket}"

        def run():
            pipe = self.client.pipeline(transaction=True)
            pipe.hincrby(name, "*", -1)
            pipe.hincrby(name, group, -1)
            pipe.execute()

        self._run(run)

    def day_totals(self, *, day: date, user_id: int) -> dict[tuple[int | None, str], int]:
        name = f"{_Keys(self.prefix, day).user_base}{user_id}"
        raw = self._run(lambda: self.client.hgetall(name))
        totals = {}
        for field, count in raw.items():
            key_id, _, group = field.decode().partition(":")
            totals[(int(key_id) or None, group)] = int(count)
        return totals

    def open_batch(self, *, day: date, now: float) -> str | None:
        keys, token = _Keys(self.prefix, day), uuid.uuid4().hex
        script = self.client.register_script(_OPEN_BATCH)
        args = [now, day_end(day) + RETENTION_DAYS * 86400]
        opened = self._run(lambda: script(keys=[keys.counts, keys.batch_base + token,
                                                keys.batches], args=args))
        return token if opened else None

    def claim_stale_batches(self, *, day: date, older_than: float, now: float) -> list[str]:
        keys = _Keys(self.prefix, day)
        script = self.client.register_script(_CLAIM_STALE)
        names = self._run(lambda: script(keys=[keys.batches], args=[older_than, now]))
        return [name.decode().removeprefix(keys.batch_base) for name in names]

    def read_batch(self, *, day: date, token: str) -> dict[str, int]:
        raw = self._run(lambda: self.client.hgetall(_Keys(self.prefix, day).batch_base + token))
        return {field.decode(): int(count) for field, count in raw.items()}

    def close_batch(self, *, day: date, token: str) -> None:
        keys = _Keys(self.prefix, day)

        def run():
            pipe = self.client.pipeline(transaction=True)
            pipe.delete(keys.batch_base + token)
            pipe.zrem(keys.batches, keys.batch_base + token)
            pipe.execute()

        self._run(run)


class LocalCounters:
    """The same structures in the local-memory cache, for one process without Redis."""

    lock = threading.Lock()

    def __init__(self):
        from django.core.cache import cache

        self.cache = cache
        self.prefix = "concert"

    def _update(self, key: str, change: Callable[[dict], Any], ttl: int) -> Any:
        with self.lock:
            value = self.cache.get(key) or {}
            result = change(value)
            self.cache.set(key, value, max(ttl - int(time.time()), 1))
            return result

    @staticmethod
    def _add(mapping: dict, field: str) -> int:
        mapping[field] = mapping.get(field, 0) + 1
        return mapping[field]

    def record(self, *, day: date, user_id: int, key_id: int | None, group: str,
               bucket: str) -> tuple[int, int]:
        keys, end = _Keys(self.prefix, day), day_end(day)
        self._update(keys.counts, lambda h: self._add(h, field_of(user_id, key_id, group)),
                     end + RETENTION_DAYS * 86400)
        self._update(f"{keys.user_base}{user_id}",
                     lambda h: self._add(h, f"{key_id or 0}:{group}"), end + REPORT_DAYS * 86400)
        return self._update(
            f"{keys.quota_base}{bucket}",
            lambda h: (self._add(h, "*"), self._add(h, group)), end + 3600,
        )

    def quota_release(self, *, day: date, bucket: str, group: str) -> None:
        def release(mapping: dict) -> None:
            for field in ("*", group):
                mapping[field] = mapping.get(field, 0) - 1

        self._update(f"{_Keys(self.prefix, day).quota_base}{bucket}", release, day_end(day) + 3600)

    def day_totals(self, *, day: date, user_id: int) -> dict[tuple[int | None, str], int]:
        raw = self.cache.get(f"{_Keys(self.prefix, day).user_base}{user_id}") or {}
        totals = {}
        for field, count in raw.items():
            key_id, _, group = field.partition(":")
            totals[(int(key_id) or None, group)] = count
        return totals

    @staticmethod
    def _batch_ttl(day: date) -> int:
        return max(day_end(day) + RETENTION_DAYS * 86400 - int(time.time()), 1)

    def open_batch(self, *, day: date, now: float) -> str | None:
        keys, token = _Keys(self.prefix, day), uuid.uuid4().hex
        with self.lock:
            counts = self.cache.get(keys.counts)
            if not counts:
                return None
            self.cache.delete(keys.counts)
            self.cache.set(keys.batch_base + token, counts, self._batch_ttl(day))
            leases = self.cache.get(keys.batches) or {}
            leases[token] = now
            self.cache.set(keys.batches, leases, self._batch_ttl(day))
        return token

    def claim_stale_batches(self, *, day: date, older_than: float, now: float) -> list[str]:
        keys = _Keys(self.prefix, day)
        with self.lock:
            leases = self.cache.get(keys.batches) or {}
            stale = [token for token, lease in leases.items() if lease <= older_than]
            if stale:
                leases.update(dict.fromkeys(stale, now))
                self.cache.set(keys.batches, leases, self._batch_ttl(day))
        return stale

    def read_batch(self, *, day: date, token: str) -> dict[str, int]:
        return dict(self.cache.get(_Keys(self.prefix, day).batch_base + token) or {})

    def close_batch(self, *, day: date, token: str) -> None:
        keys = _Keys(self.prefix, day)
        with self.lock:
            self.cache.delete(keys.batch_base + token)
            leases = self.cache.get(keys.batches) or {}
            if leases.pop(token, None) is not None:
                self.cache.set(keys.batches, leases, self._batch_ttl(day))


def counters() -> RedisCounters | LocalCounters:
    if settings.CACHES["default"]["BACKEND"].startswith("django_redis."):
        return RedisCounters()
    return LocalCounters()
