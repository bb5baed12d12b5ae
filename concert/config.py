"""Reading configuration from the environment: database, cache and secret key, with clear errors."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DEV_SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105

# Lambda runs one request at a time per container and a container lives for minutes to hours:
# keeping the connection between invocations saves a TCP + TLS + auth round trip on every
# request. It is kept one minute: well under the server's wait_timeout (300 s in the stack's
# parameter group), which closes the connections of frozen or reclaimed containers; health
# checks catch a connection the server closed while the container was frozen.
DEFAULT_CONN_MAX_AGE = 60

# RDS's certificate authorities (all regions), put in the image by the Dockerfile from
# https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem. RDS Proxy presents an
# ACM certificate instead: with it, DB_SSL_CA names the system's bundle (Amazon Root CAs).
RDS_CA_BUNDLE = "/etc/pki/rds/global-bundle.pem"
SSL_MODES = ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")


# Lambda caps a synchronous invocation's event, and its response, at 6 MB (6,291,456 bytes:
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and API Gateway
# hands a binary body over base64-encoded, 4 bytes for every 3 (payload 2.0). Room is kept
# for what surrounds the body in the event: headers (at most 10 KB on an HTTP API), the
# request context and the authorizer's claims.
LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024
EVENT_ENVELOPE_BYTES = 64 * 1024
# Multipart framing around one picture posted through the function (the admin's form:
# boundaries, part headers, the other fields).
MULTIPART_FRAMING_BYTES = 64 * 1024


def base64_size(size: int) -> int:
    return 4 * math.ceil(size / 3)


def largest_body_bytes() -> int:
    """The largest request body whose base64 event still fits Lambda's payload limit."""
    return (LAMBDA_PAYLOAD_BYTES - EVENT_ENVELOPE_BYTES) // 4 * 3


def check_body_limits(*, body: int, picture: int) -> None:
    """Bodies the service accepts must reach it through Lambda, and a stored picture must fit
    a body: it is served back through the function, and the admin's form posts one."""
    if body > largest_body_bytes():
        raise ConfigError(f"DATA_UPLOAD_MAX_MEMORY_SIZE must be at most {largest_body_bytes()} "
                          f"bytes: larger bodies exceed Lambda's 6 MB payload once base64-encoded")
    if picture > body - MULTIPART_FRAMING_BYTES:
        raise ConfigError(f"PICTURE_MAX_BYTES must be at most DATA_UPLOAD_MAX_MEMORY_SIZE - "
                          f"{MULTIPART_FRAMING_BYTES} ({body - MULTIPART_FRAMING_BYTES})")


# The rate forms DRF's SimpleRateThrottle.parse_rate reads: "120/min", "10/s", "5000/day".
_RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


class ConfigError(ImproperlyConfigured):
    """A required setting is missing or malformed; start-up stops with one line."""


def require(value: Any, name: str, *, production: bool) -> None:
    if production and not value:
        raise ConfigError(f"{name} is required in production mode (CONCERT_PRODUCTION=true)")


def secret_key_from_env(env, *, production: bool) -> str:
    key = env.str("DJANGO_SECRET_KEY", default="")
    arn = env.str("DJANGO_SECRET_KEY_ARN", default="")
    if not key and arn:
        from concert.aws import secret_string

        key = secret_string(arn)
    require(key, "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_ARN)", production=production)
    return key or DEV_SECRET_KEY


def database_from_env(env, *, base_dir: Path, production: bool) -> dict[str, Any]:
    conn = {
        "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=DEFAULT_CONN_MAX_AGE),
        "CONN_HEALTH_CHECKS": True,
    }
    if env.str("DATABASE_URL", default=""):
        try:
            db = env.db_url("DATABASE_URL")
        except (ImproperlyConfigured, KeyError, ValueError) as exc:
            raise ConfigError(f"DATABASE_URL is not a valid database URL: {exc}") from None
        if db["ENGINE"] == "django.db.backends.sqlite3":
            return {**db, "CONN_MAX_AGE": 0}
        if db["ENGINE"] != "django.db.backends.mysql":
            raise ConfigError("DATABASE_URL must start with mysql:// or sqlite://")
        return {**db, **conn, **mysql_options(env.str("DB_SSL_MODE", default=""),
                                               env.str("DB_SSL_CA", default=""))}
    if env.str("DB_SECRET_ARN", default=""):
        missing = [n for n in ("DB_HOST", "DB_NAME") if not env.str(n, default="")]
        if missing:
            raise ConfigError(f"DB_SECRET_ARN needs {' and '.join(missing)} as well")
        return {
            "ENGINE": "concert.db.backends.mysql",
            "SECRET_ARN": env.str("DB_SECRET_ARN"),
            "HOST": env.str("DB_HOST"),
            "PORT": env.int("DB_PORT", default=3306),
            "NAME": env.str("DB_NAME"),
            **conn,
            **mysql_options(env.str("DB_SSL_MODE", default="VERIFY_IDENTITY"),
                            env.str("DB_SSL_CA", default=RDS_CA_BUNDLE)),
        }
    require("", "DATABASE_URL (or DB_SECRET_ARN with DB_HOST and DB_NAME)", production=production)
    path = base_dir / "var" / "db.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def mysql_options(ssl_mode: str, ssl_ca: str = "") -> dict[str, Any]:
    """OPTIONS of a MySQL database: charset, session settings, TLS.

    What the connection sets on connect (charset, sql_mode, autocommit, isolation level at
    session scope) are all variables RDS Proxy tracks, so they do not pin proxied connections
    (tests/core/test_db_connections.py checks what is sent against AWS's list).
    TLS: with VERIFY_CA or VERIFY_IDENTITY the server's certificate must chain to `ssl_ca`
    (mysqlclient on MariaDB Connector/C turns both into MYSQL_OPT_SSL_VERIFY_SERVER_CERT,
    which checks the chain and the host name), whatever the library's own default is.
    """
    ssl_mode = ssl_mode.upper()
    if ssl_mode and ssl_mode not in SSL_MODES:
        raise ConfigError(f"DB_SSL_MODE must be one of {', '.join(SSL_MODES)}, not {ssl_mode!r}")
    options: dict[str, Any] = {
        "charset": "utf8mb4",
        "isolation_level": "read committed",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        "connect_timeout": 5,
    }
    if ssl_mode.startswith("VERIFY"):
        if not ssl_ca or not Path(ssl_ca).is_file():
            raise ConfigError(f"DB_SSL_MODE={ssl_mode} needs DB_SSL_CA, a CA bundle file "
                              f"(not found: {ssl_ca or 'unset'})")
        options["ssl"] = {"ca": ssl_ca}
    if ssl_mode:
        options["ssl_mode"] = ssl_mode
    return {
        "OPTIONS": options,
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    }


def redis_cache(url: str, *, timeout: float = 0.05, strict: bool = False) -> dict[str, Any]:
    """django-redis on `url` with `timeout`-second sockets behind the circuit breaker of
    concert.cache: with Redis away or hung a request misses the cache, it does not wait.
    `strict`: a failed call raises instead of answering as a miss (for counters that must
    fail closed)."""
    if not url.startswith(("redis://", "rediss://")):
        raise ConfigError("REDIS_URL must start with redis:// or rediss:// (TLS)")
    if not 0 < timeout <= 5:
        raise ConfigError(f"REDIS_TIMEOUT must be a number of seconds in (0, 5], not {timeout}")
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "concert",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
            "CONNECTION_POOL_CLASS": "concert.cache.BreakerConnectionPool",
            "CONNECTION_POOL_KWARGS": {"health_check_interval": 30},
            **({"IGNORE_EXCEPTIONS": False} if strict else {}),
        },
    }


def login_rate(rate: str) -> str:
    """ADMIN_LOGIN_RATE in django-ratelimit's form: N/period, the period optionally counted
    ("5/15m": five per fifteen minutes)."""
    if not re.fullmatch(r"[1-9][0-9]*/[1-9]?[0-9]*[smhd]", rate):
        raise ConfigError(f"ADMIN_LOGIN_RATE must be a rate like 5/15m (per s, m, h or d), "
                          f"not {rate!r}")
    return rate


def throttle_rates(**rates: str) -> dict[str, str | None]:
    """Request rates by scope from THROTTLE_<SCOPE>_RATE values; an empty one is no limit."""
    for scope, rate in rates.items():
        if rate and not _RATE.fullmatch(rate):
            raise ConfigError(f"THROTTLE_{scope.upper()}_RATE must be a rate like 120/min "
                              f"(per s, min, hour or day) or empty, not {rate!r}")
    return {scope: rate or None for scope, rate in rates.items()}
