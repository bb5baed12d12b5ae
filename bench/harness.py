"""What the benchmarks share: the runtime-only venv, the project as the image holds it, a
fresh MariaDB/MySQL database, gunicorn on loopback, and the machine's description."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV = OUT / "venv"
APP = OUT / "app"
PYTHON = str(VENV / "bin" / "python")
DEFAULT_DATABASE_URL = "mysql://concert:concert@127.0.0.1:3306/concert"


def sh(*args: str, env: dict | None = None, cwd: Path = ROOT) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def runtime_requirements() -> list[str]:
    """What the Lambda image installs: pyproject's dependencies, no dev extras."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def runtime_venv() -> None:
    """(Re)builds bench/out/venv when the pinned dependencies changed.

    It holds what the Lambda image installs and gunicorn: packages that only the dev venv
    has would be imported by both projects (DRF imports requests, pygments or psycopg when
    it finds them) and blur the figures.
    """
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["dev"]
    gunicorn = [d for d in dev if d.startswith("gunicorn")]
    requirements = "\n".join([*runtime_requirements(), *gunicorn]) + "\n"
    installed = VENV / "installed.txt"
    if installed.exists() and installed.read_text() == requirements:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    sh(sys.executable, "-m", "venv", str(VENV))
    wanted = VENV / "requirements.txt"
    wanted.write_text(requirements)
    sh(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(wanted))
    installed.write_text(requirements)  # only once everything installed


def image_tree(env: dict, target: Path = APP) -> Path:
    """The project as the Lambda image holds it (see the Dockerfile).

    The code is copied, the static files collected (WhiteNoise serves them from there) and
    everything compiled to bytecode: the image's file system is read-only, so a process that
    had to compile our modules on every start would measure something the image never does.
    """
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(ROOT / "manage.py", target)
    for package in ("concert", "apps"):
        shutil.copytree(ROOT / package, target / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env, cwd=target)
    sh(PYTHON, "-m", "compileall", "-q", "concert", "apps", cwd=target)
    return target


def database(name: str) -> tuple[str, dict]:
    """The URL of a database `name` on DATABASE_URL's server, and raw MySQLdb credentials."""
    url = urlparse(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    if url.scheme != "mysql":
        raise SystemExit("bench needs DATABASE_URL=mysql://... (MariaDB or MySQL)")
    creds = {"host": url.hostname, "port": url.port or 3306, "user": url.username,
             "password": url.password or ""}
    return url._replace(path=f"/{name}").geturl(), creds


def recreate_database(creds: dict, name: str) -> None:
    import MySQLdb

    conn = MySQLdb.connect(**creds)
    cursor = conn.cursor()
    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    conn.close()


def drop_database(creds: dict, name: str) -> None:
    import MySQLdb

    conn = MySQLdb.connect(**creds)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


def concert_env(database_url: str, **extra: str) -> dict:
    """Concert's environment for a bench run: production mode unless `extra` says otherwise,
    none of the caller's Django, database, token or rate settings."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CONCERT_", "DB_", "JWT_", "THROTTLE_"))}
    return {
        **base, "DATABASE_URL": database_url, "CONCERT_PRODUCTION": "true",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50, "DJANGO_ALLOWED_HOSTS": "*",
        "SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "WARNING",
        "PICTURES_ROOT": str(OUT / "pictures"), "FILES_ROOT": str(OUT / "files"),
        # On a starved shared machine a Redis answer can take longer than the 50 ms
        # default; the breaker would then skip the cache for seconds and the figures would
        # measure the machine's load, not the code.
        "REDIS_TIMEOUT": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(project_dir: Path, wsgi: str, env: dict, *, workers: int,
             extra: tuple[str, ...] = ()) -> Iterator[tuple[int, subprocess.Popen]]:
    """gunicorn with sync workers on a free loopback port; yields (port, master process)
    once it accepts connections, and stops it on the way out."""
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", wsgi, "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra],
        cwd=project_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited: {server.stderr.read()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start within 30 s")
        yield port, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def versions() -> dict:
    import django
    import rest_framework

    def server_version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "n/a"

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1) if found else cpu
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "database": server_version(["mysql", "--version"]),
        "redis": server_version(["redis-server", "--version"]),
    }


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def write_section(name: str, text: str, path: Path = ROOT / "bench" / "results.md") -> None:
    """Replaces the block a benchmark owns in results.md (between its two marker lines),
    or appends it; the rest of the file (notes written by hand) stays as it is."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    block = f"{begin}\n{text.strip()}\n{end}"
    current = path.read_text() if path.exists() else "# Concert benchmark results\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(updated)
