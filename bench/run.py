"""Benchmarks Concert against a bare Django + DRF hello-world and writes bench/results.md.

Usage: .venv/bin/python bench/run.py [--runs 15] [--warm 300] [--seconds 10]

Needs MariaDB/MySQL (DATABASE_URL, default the CI user) and uses Redis when REDIS_URL is
set; wrk for HTTP throughput (skipped with a note when it is missing). Both projects run
the same way in the same run, in a virtualenv holding what the Lambda image holds (the
project's dependencies, no dev extras) plus gunicorn, with their code compiled to bytecode
as the image build does: cold start through the Lambda handler, warm latency through the
handler, and HTTP throughput under gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV = OUT / "venv"
APP = OUT / "app"
PYTHON = str(VENV / "bin" / "python")
BENCH_DB = "test_concert_benchrun"

# The cold start before the work that made it fast, as results.md recorded it on 2026-11-22
# 04:25 UTC: (Concert, hello-world) in ms, measured the old way.
BEFORE = {"cold_ms": (611, 345), "import_ms": (490, 210), "first_ms": (125, 137)}
BEFORE_HOW = ("another machine, AMD EPYC; dev venv; Concert run from the work tree, its modules "
              "compiled at every start (PYTHONDONTWRITEBYTECODE), no static files collected")

# What each change saved: Concert's cold start after each step, in ms (medians of 25
# interleaved starts of every step and of hello-world, built and measured as this script
# does; same machine, 2026-11-22). Cumulative; the first row is the code before the work.
STEPS_HELLO_MS = 199
STEPS_HELLO_GC_MS = 168  # hello-world with the last step's collector pause
STEPS = [
    ("The code before (f42fa81), measured like the image", 332, ""),
    ("Each app's routes are imported with the first request for one of its paths "
     "(`concert.api.lazy.app_urls`): listing events no longer imports the accounts, tickets, "
     "files, licensing and usage views, serializers and services", 328,
     "first request 28 → 22 ms"),
    ("The admin without autodiscovery at start-up (`concert.apps.AdminConfig`): the apps' "
     "admin modules, and the services and forms they import, load with the admin's URLs "
     "(`concert/admin_urls.py`) or with the system checks", 320, ""),
    ("Static files indexed with the first request for one "
     "(`concert.api.middleware.StaticFilesMiddleware`): WhiteNoise walked the ~650 collected "
     "files and their compressed variants at every start", 294, ""),
    ("redis-py 7.4.1 instead of 8.1.0 (pyproject.toml): 8.x imports more at `import redis` "
     "(keyspace notifications, observability)", 286, ""),
    ("The garbage collector paused while Django is imported and set up, the start-up objects "
     "frozen after (`concert.lambda_handler.start_django`)", 250,
     f"hello-world started the same way: {STEPS_HELLO_MS} → {STEPS_HELLO_GC_MS} ms"),
]
# Where the rest goes: what Concert does and hello-world does not.
INHERENT = [
    ("`import redis` (redis-py 7.4.1: its asyncio client, commands, parsers, importlib.metadata)",
     "≈ 35 ms"),
    ("the cache's first use: django-redis, the connection, the first commands", "≈ 10 ms"),
    ("the app registry, 18 apps instead of 3: our models ≈ 13 ms, the admin package ≈ 8 ms, "
     "django-filter ≈ 4.5 ms, sessions, messages, staticfiles, CORS and drf-spectacular "
     "≈ 5 ms", "≈ 42 ms in all"),
    ("the middleware chain (sessions, authentication, messages, CORS, usage metering, "
     "security headers)", "≈ 7 ms"),
    ("the catalogue's views, serializers and filters, imported by the first request (of which "
     "drf_spectacular.utils, for schema annotation arguments, ≈ 2.5 ms)", "≈ 6.5 ms"),
    ("against that, the first request is answered from the shared page cache, with no "
     "database connection (hello-world connects: ≈ 4 ms)", "≈ 4 ms less"),
]

sys.path.insert(0, str(ROOT / "bench"))
from hello_project import build as build_hello  # noqa: E402


def sh(*args: str, env: dict | None = None, cwd: Path = ROOT) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def runtime_venv() -> None:
    """(Re)builds bench/out/venv when the pinned dependencies changed.

    It holds what the Lambda image installs (pyproject's dependencies, no dev extras) and
    gunicorn: packages that only the dev venv has would be imported by both projects (DRF
    imports requests, pygments or psycopg when it finds them) and blur the figures.
    """
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    gunicorn = [d for d in pyproject["optional-dependencies"]["dev"] if d.startswith("gunicorn")]
    requirements = "\n".join([*pyproject["dependencies"], *gunicorn]) + "\n"
    installed = VENV / "installed.txt"
    if installed.exists() and installed.read_text() == requirements:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    sh(sys.executable, "-m", "venv", str(VENV))
    wanted = VENV / "requirements.txt"
    wanted.write_text(requirements)
    sh(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(wanted))
    installed.write_text(requirements)  # only once everything installed


def image_tree(env: dict) -> Path:
    """The project as the Lambda image holds it (see the Dockerfile) under bench/out/app.

    The code is copied, the static files collected (WhiteNoise serves them from there) and
    everything compiled to bytecode: the image's file system is read-only, so a process that
    had to compile our modules on every start would measure something the image never does.
    """
    shutil.rmtree(APP, ignore_errors=True)
    APP.mkdir(parents=True)
    shutil.copy2(ROOT / "manage.py", APP)
    for package in ("concert", "apps"):
        shutil.copytree(ROOT / package, APP / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env, cwd=APP)
    sh(PYTHON, "-m", "compileall", "-q", "concert", "apps", cwd=APP)
    return APP


def database_urls() -> tuple[str, dict]:
    url = urlparse(os.environ.get("DATABASE_URL",
                                  "mysql://concert:concert@127.0.0.1:3306/concert"))
    if url.scheme != "mysql":
        raise SystemExit("bench needs DATABASE_URL=mysql://... (MariaDB or MySQL)")
    creds = {"host": url.hostname, "port": url.port or 3306, "user": url.username,
             "password": url.password or ""}
    return url._replace(path=f"/{BENCH_DB}").geturl(), creds


def recreate_database(creds: dict) -> None:
    import MySQLdb

    conn = MySQLdb.connect(**creds)
    cursor = conn.cursor()
    cursor.execute(f"DROP DATABASE IF EXISTS `{BENCH_DB}`")
    cursor.execute(f"CREATE DATABASE `{BENCH_DB}` CHARACTER SET utf8mb4")
    conn.close()


def published_slug(creds: dict) -> str | None:
    import MySQLdb

    conn = MySQLdb.connect(db=BENCH_DB, **creds)
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT slug FROM events_event WHERE status='published' LIMIT 1")
        row = cursor.fetchone()
    except MySQLdb.Error:
        row = None
    conn.close()
    return row[0] if row else None


def probe(project_dir: Path, handler: str, first: str, env: dict, *, warm: int = 0,
          paths: list[str] = (), importtime: bool = False) -> tuple[dict, str]:
    args = [PYTHON, *(["-X", "importtime"] if importtime else []), str(ROOT / "bench/probe.py"),
            "--project-dir", str(project_dir), "--handler", handler, "--first", first,
            "--warm", str(warm), "--paths", ",".join(paths)]
    result = subprocess.run(args, cwd=project_dir, env=env, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"probe failed for {handler}:\n{result.stderr[-3000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if data["status"] != 200:
        raise SystemExit(f"{handler} answered {data['status']} to {first}")
    return data, result.stderr


def import_offenders(stderr: str, top: int = 12) -> list[tuple[int, int, str]]:
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(3)) <= 3:  # top-level and second-level packages
            rows.append((int(match.group(2)), int(match.group(1)), match.group(4)))
    return sorted(rows, reverse=True)[:top]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_throughput(project_dir: Path, wsgi: str, path: str, env: dict, seconds: int) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", wsgi, "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=project_dir, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}{path}"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        sh("wrk", "-t1", "-c4", "-d2s", url)  # warm every worker
        output = sh("wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url)
    finally:
        server.terminate()
        server.wait(timeout=10)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, flags=re.MULTILINE))
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99"),
            "errors": int(non_2xx.group(1)) if non_2xx else 0}


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


def ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}x" if base else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold starts per project")
    parser.add_argument("--warm", type=int, default=300, help="warm requests per path")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per project")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    runtime_venv()
    bench_url, creds = database_urls()
    recreate_database(creds)
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "CONCERT_", "DB_", "JWT_", "THROTTLE_"))}
    concert_env = {
        **base_env, "DATABASE_URL": bench_url, "CONCERT_PRODUCTION": "true",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50, "DJANGO_ALLOWED_HOSTS": "*",
        "SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "WARNING",
        "PICTURES_ROOT": str(OUT / "pictures"), "FILES_ROOT": str(OUT / "files"),
        # Every request of the bench comes from one address: still counted, never refused.
        "THROTTLE_ANON_RATE": "1000000/min",
    }
    hello_env = {**base_env, "DATABASE_URL": bench_url}
    app_dir = image_tree(concert_env)
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=concert_env, cwd=app_dir)
    sh(PYTHON, "manage.py", "seed_demo", env=concert_env, cwd=app_dir)
    hello_dir = build_hello(OUT / "hello")
    sh(PYTHON, "-m", "compileall", "-q", "hello", cwd=hello_dir)
    slug = published_slug(creds)

    first = "/api/v1/events"
    # One start each before measuring: the files are in the page cache for every measured one.
    probe(app_dir, "concert.lambda_handler", first, concert_env)
    probe(hello_dir, "hello.lambda_handler", "/hello", hello_env)
    concert_cold, hello_cold = [], []
    for _ in range(args.runs):
        concert_cold.append(probe(app_dir, "concert.lambda_handler", first, concert_env)[0])
        hello_cold.append(probe(hello_dir, "hello.lambda_handler", "/hello", hello_env)[0])
    _, importtime = probe(app_dir, "concert.lambda_handler", first, concert_env, importtime=True)

    paths = ["/health/live", "/api/v1/events", "/api/v1/events?page_size=50",
             *([f"/api/v1/events/{slug}"] if slug else []), "/api/v1/venues", "/api/v1/artists"]
    concert_warm, _ = probe(app_dir, "concert.lambda_handler", first, concert_env,
                            warm=args.warm, paths=paths)
    hello_warm, _ = probe(hello_dir, "hello.lambda_handler", "/hello", hello_env,
                          warm=args.warm, paths=["/hello"])

    http = None
    if shutil.which("wrk"):
        http = {
            "concert": http_throughput(app_dir, "concert.wsgi:application", first, concert_env,
                                       args.seconds),
            "hello": http_throughput(hello_dir, "hello.wsgi:application", "/hello", hello_env,
                                     args.seconds),
        }

    def med(rows: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    cold = {k: (med(concert_cold, k), med(hello_cold, k))
            for k in ("cold_ms", "import_ms", "first_ms", "gc_ms")}
    hello_p50 = hello_warm["warm"]["/hello"]["p50_ms"]
    hello_p99 = hello_warm["warm"]["/hello"]["p99_ms"]
    lines = [
        "# Concert benchmark results",
        "",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        *(f"- {k}: {v}" for k, v in versions().items()),
        "",
        "Baseline: a minimal Django + DRF project (one view doing `SELECT 1` on the same",
        "database) built by this script, run the same way in the same run.",
        "",
        f"## Cold start (median of {args.runs} fresh processes; import handler + first request)",
        "",
        "| figure | Concert (GET /api/v1/events) | hello-world | ratio |",
        "|---|---|---|---|",
        *(f"| {k} | {c:.0f} ms | {h:.0f} ms | {ratio(c, h)} |" for k, (c, h) in cold.items()),
        "",
        "Top imports by cumulative time (`python -X importtime`, one Concert cold start):",
        "",
        "| cumulative | self | module |",
        "|---|---|---|",
        *(f"| {c / 1000:.1f} ms | {s / 1000:.1f} ms | {m} |" for c, s, m in
          import_offenders(importtime)),
        "",
        f"## Warm latency through the Lambda handler ({args.warm} requests per path)",
        "",
        "| path | p50 | p99 | p50 vs hello-world |",
        "|---|---|---|---|",
        f"| hello-world /hello | {hello_p50:.2f} ms | {hello_p99:.2f} ms | 1.00x |",
        *(f"| {p} | {v['p50_ms']:.2f} ms | {v['p99_ms']:.2f} ms | {ratio(v['p50_ms'], hello_p50)} |"
          for p, v in concert_warm["warm"].items()),
        "",
        "Each anonymous catalogue read makes three Redis round trips, the rate-limit counter,",
        "the catalogue's generation and the cached page (about 40% of its time under",
        "cProfile), where hello-world makes one `SELECT 1`; throughput below follows.",
        "",
        "## HTTP throughput (gunicorn, 2 sync workers; wrk -t2 -c16)",
        "",
    ]
    lines += throughput_lines(http, first)
    lines += before_and_after(cold, args.runs)
    report = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text(report)
    (OUT / "results.json").write_text(json.dumps(
        {"cold": cold, "concert_warm": concert_warm["warm"], "hello_warm": hello_warm["warm"],
         "http": http}, indent=2))
    print(report)


def throughput_lines(http: dict | None, first: str) -> list[str]:
    if not http:
        return ["wrk is not installed (apt-get install wrk): throughput not measured."]
    c, h = http["concert"], http["hello"]
    return [
        "| project | path | requests/s | p50 | p99 | non-2xx | vs hello-world |",
        "|---|---|---|---|---|---|---|",
        f"| Concert | {first} | {c['rps']:.0f} | {c['p50']} | {c['p99']} | {c['errors']} | "
        f"{ratio(c['rps'], h['rps'])} |",
        f"| hello-world | /hello | {h['rps']:.0f} | {h['p50']} | {h['p99']} | {h['errors']} | "
        "1.00x |",
    ]


def before_and_after(cold: dict, runs: int) -> list[str]:
    (c, h), (bc, bh) = cold["cold_ms"], BEFORE["cold_ms"]
    steps, previous = [], None
    for what, ms, note in STEPS:
        saved = f"{previous - ms} ms" if previous is not None else ""
        steps.append(f"| {what} | {ms} ms | {ratio(ms, STEPS_HELLO_MS)} | {saved} | {note} |")
        previous = ms
    return [
        "",
        "## Before and after: cold start",
        "",
        "| | Concert | hello-world | ratio |",
        "|---|---|---|---|",
        f"| before: recorded 2026-11-22 04:25 UTC ({BEFORE_HOW}) | {bc} ms | {bh} ms | "
        f"{ratio(bc, bh)} |",
        f"| after: this run (median of {runs}, both run as the image runs Concert) | {c:.0f} ms "
        f"| {h:.0f} ms | {ratio(c, h)} |",
        "",
        "The old way of measuring gave both projects ~60 ms of the dev venv's packages (DRF",
        "imports requests, pygments and psycopg when it finds them) and Concert ~35 ms more for",
        "compiling its modules at every start, while the ~25 ms WhiteNoise spent on the",
        "collected static files went unseen. Measured like the image, the code before this work",
        "was still 1.67x. The steps that brought it down, cumulative, each measured against",
        f"hello-world in the same run ({STEPS_HELLO_MS} ms; a step's figure moves by a few ms",
        "from run to run):",
        "",
        "| step | Concert cold start | vs hello-world | saved | note |",
        "|---|---|---|---|---|",
        *steps,
        "",
        "The last step is not specific to Concert: hello-world started the same way takes",
        f"{STEPS_HELLO_GC_MS} ms, and against that Concert is "
        f"{ratio(STEPS[-1][1], STEPS_HELLO_GC_MS)}. The `gc_ms` row of the cold start table",
        "shows what the collector takes in each project.",
        "",
        "Where the rest goes: the ~90 ms between Concert before the last step and hello-world",
        "is work that hello-world does not do (measured step by step in one process after",
        "Django's setup, the collector running):",
        "",
        *(f"- {what}: {cost}" for what, cost in INHERENT),
    ]


if __name__ == "__main__":
    main()
