"""Every command the service sends to Redis fits ElastiCache Serverless (Valkey or Redis OSS).

The commands are read from the server itself (MONITOR) while the service does each thing it
keeps in Redis: readiness, rate limits, the public listing cache and its invalidation, usage
counters and their flush. A serverless cache is a cluster (cluster mode enabled): database 0
only, the keys of one multi-key command or transaction in one hash slot, Lua scripts naming
their keys; administrative commands are refused. Sources, AWS docs:
- https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SupportedCommands.html
- https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ClientConfig.RestrictedCommands.html
- SELECT is refused in cluster mode: https://repost.aws/questions/QUXz_Eoe5bTvGs7mzEOkRxNw
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict

import pytest
from django.conf import settings

from apps.events import public_cache
from apps.usage.metering import Subject
from apps.usage.services import usage_flush, usage_record
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# Refused by ElastiCache (restricted commands), and SELECT by any cluster.
REFUSED = {"BGREWRITEAOF", "BGSAVE", "CONFIG", "DEBUG", "MIGRATE", "REPLICAOF", "SAVE",
           "SLAVEOF", "SHUTDOWN", "SYNC", "SELECT", "KEYS", "FLUSHALL", "MONITOR"}  # fmt: skip
# What redis-py says when it opens a connection: SELECT only for a database other than 0 (the
# tests' REDIS_URL; the stack's is /0), CLIENT SETINFO whose refusal redis-py ignores.
HANDSHAKE = {"SELECT", "CLIENT SETINFO"}
# Everything the service sends today; a new command joins this list after a look at the
# serverless command list above. All are in Valkey 7.2+ and Redis OSS 6.2+.
SERVICE_COMMANDS = {
    "PING", "GET", "SET", "INCRBY", "EXISTS", "DEL", "EXPIRE", "EVALSHA", "EVAL", "MULTI",
    "EXEC", "HINCRBY", "EXPIREAT", "HGETALL", "RENAME", "ZADD", "ZRANGEBYSCORE", "ZREM",
}  # fmt: skip
# Key positions of the multi-key commands the service may send.
MULTI_KEY = {"RENAME": lambda args: args[:2], "DEL": list, "EXISTS": list, "MGET": list,
             "EVAL": lambda args: args[2:2 + int(args[1])],
             "EVALSHA": lambda args: args[2:2 + int(args[1])]}  # fmt: skip


def name_of(words: list[str]) -> str:
    two = " ".join(words[:2]).upper()
    return two if two in {"CLIENT SETINFO", "SCRIPT LOAD", "SCRIPT EXISTS"} else words[0].upper()


@pytest.fixture
def monitored(settings):
    """A function returning the commands the Redis server ran for the tests' database so
    far, as MONITOR reports them: dicts with the client (an address, or "lua" inside a
    script) and the words. MONITOR reports asynchronously: the function waits until the
    watcher has seen a marker sent after everything before it."""
    import redis

    from concert.config import redis_cache

    url = settings.CACHES["default"]["LOCATION"]
    # MONITOR slows the server down: no 50 ms timeouts (and circuit breaker) while it runs.
    settings.CACHES = {"default": redis_cache(url, timeout=2)}
    watcher = redis.Redis.from_url(url)  # its own connection, no timeout, outside the breaker
    db = watcher.connection_pool.connection_kwargs.get("db", 0)
    line = re.compile(r"^[\d.]+ \[(\d+) ([^\]]+)\] (.*)$")
    seen: list[dict] = []
    ready, stop, drained = threading.Event(), "concert-monitor-stop", threading.Event()
    mark = "concert-monitor-mark"

    def watch() -> None:
        connection = watcher.connection_pool.get_connection()
        connection.send_command("MONITOR")
        connection.read_response()  # OK
        ready.set()
        while True:
            found = line.match(connection.read_response().decode())
            words = [re.sub(r"\\(.)", r"\1", word) for word in re.findall(r'"((?:[^"\\]|\\.)*)"',
                                                                       found[3])]  # fmt: skip
            if words == ["ECHO", stop]:
                return
            if words == ["ECHO", mark]:
                drained.set()
                continue
            if int(found[1]) == db:
                seen.append({"client": found[2].split(":")[0], "address": found[2], "words": words})

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(5)

    def commands() -> list[dict]:
        drained.clear()
        redis.Redis.from_url(url).echo(mark)
        assert drained.wait(10), "MONITOR did not report the marker"
        return list(seen)

    yield commands
    redis.Redis.from_url(url).echo(stop)
    thread.join(5)


def test_every_command_the_service_sends_runs_on_a_serverless_cache(monitored, client) -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    user = UserFactory()
    assert client.get("/health/ready").status_code == 200
    for _ in range(2):  # the second read comes from the listing cache
        assert client.get("/api/v1/events").status_code == 200
    public_cache.invalidate()
    assert client.get("/api/v1/events").status_code == 200
    for group in ("events", "orders"):
        usage_record(subject=Subject(user.pk, None), group=group)
    assert usage_flush().requests == 2

    commands = [(c["client"], c["address"], c["words"]) for c in monitored()]
    names = {name_of(words) for _, _, words in commands}
    assert not names & (REFUSED - HANDSHAKE), names & REFUSED
    assert names - HANDSHAKE == SERVICE_COMMANDS
    # One hash slot per multi-key command and per transaction (MULTI ... EXEC).
    from redis.crc import key_slot

    open_transactions: dict[tuple, set[int]] = defaultdict(set)
    for kind, conn, words in commands:
        name, args = words[0].upper(), words[1:]
        keys = MULTI_KEY.get(name, lambda a: a[:1])(args) if args else []
        slots = {key_slot(key.encode()) for key in keys}
        assert len(slots) <= 1, f"{name} spans slots: {keys}"
        if kind == "lua":
            continue
        if name == "MULTI":
            open_transactions[conn] = set()
        elif name == "EXEC":
            assert len(open_transactions.pop(conn, set())) <= 1, "a transaction spans slots"
        elif conn in open_transactions:
            open_transactions[conn] |= slots
