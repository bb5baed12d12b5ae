"""Settings from the environment: production refuses to start half-configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "CONCERT_PRODUCTION": "true",
    "DJANGO_SECRET_KEY": "k" * 60 + "!@#$%^&*()-=",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DATABASE_URL": "sqlite:////tmp/concert-check.sqlite3",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "CONCERT_", "DATABASE_URL", "DB_", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.parametrize("missing, named", [
    ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
    ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"),
    ("DATABASE_URL", "DATABASE_URL"),
])
def test_production_stops_with_one_clear_line_when_a_value_is_missing(missing, named):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ") and named in lines[0]


def test_malformed_database_url_is_one_clear_line():
    result = manage("check", env={"DATABASE_URL": "postgres://x@y/z"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL must start with mysql:// or sqlite://"
    ]


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_defaults_need_no_configuration():
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings as s;"
                    "import json;print(json.dumps([s.DATABASES['default']['ENGINE'],"
                    "s.CACHES['default']['BACKEND'], s.DEBUG, str(s.MEDIA_ROOT)]))", env={})
    assert result.returncode == 0, result.stderr
    engine, cache, debug, pictures = json.loads(result.stdout)
    assert engine == "django.db.backends.sqlite3"
    assert cache.endswith("LocMemCache")
    assert debug is False
    assert pictures == str(ROOT / "var" / "media")


def test_rediss_url_selects_tls_connections():
    result = manage("shell", "--no-imports", "-c", "from django.core.cache import cache;"
                    "print(cache.client.get_client().connection_pool.connection_class.__name__)",
                    env={"REDIS_URL": "rediss://cache.example.com:6379/0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "BreakerSSLConnection"  # an SSLConnection behind a breaker


def test_mysql_url_keeps_connections_with_health_checks():
    result = manage("shell", "--no-imports", "-c",
                    "from django.conf import settings as s;import json;"
                    "d=s.DATABASES['default'];print(json.dumps([d['CONN_MAX_AGE'],"
                    "d['CONN_HEALTH_CHECKS'], d['OPTIONS']['charset']]))",
                    env={"DATABASE_URL": "mysql://u:p@127.0.0.1:3306/concert"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [60, True, "utf8mb4"]
