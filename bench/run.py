"""Benchmarks Concert against a bare Django + DRF hello-world; writes its part of results.md.

Usage: .venv/bin/python bench/run.py [--runs 15] [--warm 300] [--seconds 10]

Needs MariaDB/MySQL (DATABASE_URL, default the CI user) and uses Redis when REDIS_URL is
set; wrk for HTTP throughput (skipped with a note when it is missing). Both projects run
the same way in the same run, in a virtualenv holding what the Lambda image holds (the
project's dependencies, no dev extras) plus gunicorn, with their code compiled to bytecode
as the image build does (bench/harness.py): cold start through the Lambda handler, warm
latency through the handler, HTTP throughput under gunicorn, and what each runtime
dependency costs in size and import time. It rewrites only its own section of
bench/results.md; what the file says about earlier runs is written there by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    OUT,
    PYTHON,
    ROOT,
    concert_env,
    database,
    gunicorn,
    image_tree,
    load_average,
    recreate_database,
    runtime_requirements,
    runtime_venv,
    sh,
    versions,
    write_section,
)
from hello_project import build as build_hello

BENCH_DB = "test_concert_benchrun"


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


def http_throughput(project_dir: Path, wsgi: str, path: str, env: dict, seconds: int) -> dict:
    with gunicorn(project_dir, wsgi, env, workers=2) as (port, _):
        url = f"http://127.0.0.1:{port}{path}"
        sh("wrk", "-t1", "-c4", "-d2s", url)  # warm every worker
        output = sh("wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, flags=re.MULTILINE))
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99"),
            "errors": int(non_2xx.group(1)) if non_2xx else 0}


def round_trip_floors(creds: dict) -> str:
    """What one round trip to each store costs right now (p50/p90 of 1,000): Concert's warm
    read makes one to Redis, hello-world's one to the database, so a busy shared Redis or
    database shows in the ratio; this says which."""
    import MySQLdb
    import redis

    def timed(call) -> str:
        times = []
        for _ in range(1000):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(times, n=10)
        return f"p50 {statistics.median(times):.3f} ms, p90 {cuts[8]:.3f} ms"

    conn = MySQLdb.connect(**creds)
    cursor = conn.cursor()
    database = timed(lambda: (cursor.execute("SELECT 1"), cursor.fetchall()))
    conn.close()
    url = os.environ.get("REDIS_URL")
    cache = timed(redis.Redis.from_url(url).ping) if url else "not used (no REDIS_URL)"
    return f"Redis PING {cache}; database SELECT 1 {database}"


def ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}x" if base else "n/a"


# Runs in the runtime venv: every installed distribution, its size on disk, what it
# requires (markers evaluated, per extra) and which top-level modules it provides.
DISTRIBUTIONS = """
import importlib.metadata as md, json, os
from pip._vendor.packaging.requirements import Requirement
modules = {}
for module, dists in md.packages_distributions().items():
    for dist in dists:
        modules.setdefault(dist.lower(), []).append(module)
rows = []
for dist in md.distributions():
    name = dist.metadata["Name"]
    size = 0
    for file in dist.files or []:
        try:
            size += os.path.getsize(file.locate())
        except OSError:
            pass
    requires = {}
    for text in dist.requires or []:
        req = Requirement(text)
        for extra in ["", *(dist.metadata.get_all("Provides-Extra") or [])]:
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                requires.setdefault(extra, []).append([req.name, sorted(req.extras)])
                break
    rows.append({"name": name, "version": dist.version, "bytes": size, "requires": requires,
                 "modules": sorted(m for m in modules.get(name.lower(), [])
                                   if not m.startswith("_"))})
print(json.dumps(rows))
"""
# Runs in the image tree: the handler imported (Django set up), then one module timed.
FIRST_USE = """
import sys, time
import concert.lambda_handler
started = time.perf_counter()
__import__(sys.argv[1])
print((time.perf_counter() - started) * 1000)
"""
NOT_SHIPPED = {"pip", "setuptools", "wheel", "gunicorn", "packaging"}
# The module a request imports first when the top-level package alone is cheap to import.
FIRST_USE_MODULE = {"pillow": "PIL.Image", "botocore": "botocore.session",
                    "cryptography": "cryptography.hazmat.primitives.asymmetric.rsa",
                    "pyjwt": "jwt", "boto3": "boto3"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependencies(app_dir: Path, env: dict, importtime: str) -> list[dict]:
    """Every distribution the image installs: size, the pinned requirement that brings it,
    its modules' own import time in a Concert cold start, and for modules the cold start
    does not import, what importing them costs on first use (median of three processes)."""
    rows = json.loads(sh(PYTHON, "-c", DISTRIBUTIONS, cwd=OUT).strip())
    by_name = {normalized(r["name"]): r for r in rows if normalized(r["name"]) not in NOT_SHIPPED}
    pinned = {}
    for req in runtime_requirements():
        name, _, extras = re.match(r"([A-Za-z0-9_.-]+)(\[([^\]]*)\])?", req).groups()
        pinned[normalized(name)] = [e.strip() for e in (extras or "").split(",") if e.strip()]
    required_by: dict[str, set[str]] = {}
    stack = [(name, extras) for name, extras in pinned.items()]
    seen = set()
    while stack:  # what the pins need, with their extras, as pip resolved it
        name, extras = stack.pop()
        if (name, tuple(extras)) in seen or name not in by_name:
            continue
        seen.add((name, tuple(extras)))
        requires = by_name[name]["requires"]
        for child, child_extras in [r for e in ["", *extras] for r in requires.get(e, [])]:
            required_by.setdefault(normalized(child), set()).add(by_name[name]["name"])
            stack.append((normalized(child), child_extras))
    self_us: dict[str, int] = {}
    for line in importtime.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            top = match.group(2).split(".")[0]
            self_us[top] = self_us.get(top, 0) + int(match.group(1))
    table = []
    for name, row in by_name.items():
        cold_ms = sum(self_us.get(m, 0) for m in row["modules"]) / 1000
        first_use = None
        module = FIRST_USE_MODULE.get(name) or (row["modules"][0] if row["modules"] else None)
        if module and (name in FIRST_USE_MODULE or not cold_ms):
            timings = []
            for _ in range(3):
                out = subprocess.run([PYTHON, "-c", FIRST_USE, module], cwd=app_dir, env=env,
                                     capture_output=True, text=True, check=False)
                if out.returncode == 0:
                    timings.append(float(out.stdout.strip().splitlines()[-1]))
            first_use = statistics.median(timings) if timings else None
        table.append({
            "name": row["name"], "version": row["version"], "mb": row["bytes"] / 1e6,
            "pinned": name in pinned, "required_by": sorted(required_by.get(name, [])),
            "modules": row["modules"], "cold_ms": cold_ms,
            "first_use_module": module if first_use is not None else None,
            "first_use_ms": first_use,
        })
    return sorted(table, key=lambda r: -r["mb"])


def dependency_lines(table: list[dict]) -> list[str]:
    total = sum(r["mb"] for r in table)
    cold = sum(r["cold_ms"] for r in table)
    lines = [
        f"## Runtime dependencies of the image ({len(table)} distributions, {total:.0f} MB "
        "installed)",
        "",
        "Size: the files each distribution installs. Cold start: the import time of its own "
        "modules (their `self` times, `python -X importtime`) in the Concert cold start "
        f"above; {cold:.0f} ms in all. First use: for a distribution the cold start does not "
        "import, what importing it costs the first request that needs it (fresh process, "
        "handler imported, median of 3).",
        "",
        "| distribution | size | pinned / required by | cold start | first use |",
        "|---|---|---|---|---|",
    ]
    for r in table:
        origin = ", ".join((["pinned"] if r["pinned"] else []) + r["required_by"]) or "?"
        first = (f"{r['first_use_ms']:.1f} ms (`{r['first_use_module']}`)"
                 if r["first_use_ms"] is not None else "")
        cold_ms = f"{r['cold_ms']:.1f} ms" if r["cold_ms"] else "not imported"
        lines.append(f"| {r['name']} {r['version']} | {r['mb']:.1f} MB | {origin} | "
                     f"{cold_ms} | {first} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold starts per project")
    parser.add_argument("--warm", type=int, default=300, help="warm requests per path")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per project")
    parser.add_argument("--rounds", type=int, default=3,
                        help="warm and throughput measurements per project, alternating")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    runtime_venv()
    bench_url, creds = database(BENCH_DB)
    recreate_database(creds, BENCH_DB)
    # Every request of the bench comes from one address: still counted, never refused.
    env = concert_env(bench_url, THROTTLE_ANON_RATE="1000000/min")
    hello_env = {k: v for k, v in concert_env(bench_url).items()
                 if not k.startswith(("DJANGO_", "CONCERT_"))}
    app_dir = image_tree(env)
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env, cwd=app_dir)
    # The demo data loader refuses production mode; the data is what is measured, not it.
    sh(PYTHON, "manage.py", "seed_demo", env={**env, "CONCERT_PRODUCTION": "false"},
       cwd=app_dir)
    hello_dir = build_hello(OUT / "hello")
    sh(PYTHON, "-m", "compileall", "-q", "hello", cwd=hello_dir)
    slug = published_slug(creds)
    load = load_average()
    floors = round_trip_floors(creds)

    first = "/api/v1/events"
    # One start each before measuring: the files are in the page cache for every measured one.
    probe(app_dir, "concert.lambda_handler", first, env)
    probe(hello_dir, "hello.lambda_handler", "/hello", hello_env)
    concert_cold, hello_cold = [], []
    for _ in range(args.runs):
        concert_cold.append(probe(app_dir, "concert.lambda_handler", first, env)[0])
        hello_cold.append(probe(hello_dir, "hello.lambda_handler", "/hello", hello_env)[0])
    _, importtime = probe(app_dir, "concert.lambda_handler", first, env, importtime=True)
    (OUT / "importtime.txt").write_text(importtime)  # the whole tree, for a closer look

    paths = ["/health/live", "/api/v1/events", "/api/v1/events?page_size=50",
             *([f"/api/v1/events/{slug}"] if slug else []), "/api/v1/venues", "/api/v1/artists"]
    concert_warm, hello_warm = [], []
    for _ in range(args.rounds):
        concert_warm.append(probe(app_dir, "concert.lambda_handler", first, env,
                                  warm=args.warm, paths=paths)[0]["warm"])
        hello_warm.append(probe(hello_dir, "hello.lambda_handler", "/hello", hello_env,
                                warm=args.warm, paths=["/hello"])[0]["warm"]["/hello"])

    http = None
    if shutil.which("wrk"):
        http = {"concert": [], "hello": []}
        for _ in range(args.rounds):
            http["concert"].append(http_throughput(app_dir, "concert.wsgi:application", first,
                                                   env, args.seconds))
            http["hello"].append(http_throughput(hello_dir, "hello.wsgi:application", "/hello",
                                                 hello_env, args.seconds))
    deps = dependencies(app_dir, env, importtime)

    def med(rows: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    cold = {k: (med(concert_cold, k), med(hello_cold, k))
            for k in ("cold_ms", "cold_cpu_ms", "import_ms", "first_ms", "gc_ms")}
    warm = {
        path: {
            "p50_ms": statistics.median(r[path]["p50_ms"] for r in concert_warm),
            "p99_ms": statistics.median(r[path]["p99_ms"] for r in concert_warm),
            "ratio": statistics.median(c[path]["p50_ms"] / h["p50_ms"]
                                       for c, h in zip(concert_warm, hello_warm, strict=True)),
        }
        for path in paths
    }
    hello_p50 = statistics.median(h["p50_ms"] for h in hello_warm)
    hello_p99 = statistics.median(h["p99_ms"] for h in hello_warm)
    lines = [
        "## Service against the hello-world (`bench/run.py`)",
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} ({load} at the start):",
        "",
        *(f"- {k}: {v}" for k, v in versions().items()),
        "",
        "Baseline: a minimal Django + DRF project (one view doing `SELECT 1` on the same",
        "database) built by this script, run the same way in the same run.",
        "",
        f"### Cold start (median of {args.runs} fresh processes, interleaved; import handler "
        "+ first request)",
        "",
        "`cold_ms`: wall time from the handler's import to the first answer; `cold_cpu_ms`:",
        "the process's own CPU time for the same, which a busy machine moves far less.",
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
        f"### Warm latency through the Lambda handler ({args.warm} requests per path; "
        f"{args.rounds} rounds, Concert and hello-world alternating, a fresh process each)",
        "",
        "Medians over the rounds; the ratio is the median of each round's ratio. One round",
        f"trip to each store at the start of the run: {floors}.",
        "",
        "| path | p50 | p99 | p50 vs hello-world |",
        "|---|---|---|---|",
        f"| hello-world /hello | {hello_p50:.2f} ms | {hello_p99:.2f} ms | 1.00x |",
        *(f"| {p} | {v['p50_ms']:.2f} ms | {v['p99_ms']:.2f} ms | {v['ratio']:.2f}x |"
          for p, v in warm.items()),
        "",
        f"### HTTP throughput (gunicorn, 2 sync workers; wrk -t2 -c16 for {args.seconds} s; "
        f"{args.rounds} rounds, alternating)",
        "",
        *throughput_lines(http, first),
        "",
        *dependency_lines(deps),
    ]
    text = "\n".join(lines)
    write_section("bench/run.py", text)
    (OUT / "results.json").write_text(json.dumps(
        {"cold": cold, "concert_warm": concert_warm, "hello_warm": hello_warm,
         "http": http, "dependencies": deps}, indent=2))
    print(text)


def throughput_lines(http: dict | None, first: str) -> list[str]:
    if not http:
        return ["wrk is not installed (apt-get install wrk): throughput not measured."]
    rounds = list(zip(http["concert"], http["hello"], strict=True))
    per_round = ", ".join(f"{c['rps']:.0f} vs {h['rps']:.0f}" for c, h in rounds)
    median_ratio = statistics.median(c["rps"] / h["rps"] for c, h in rounds)
    lines = [
        "| project | path | requests/s (median) | p50 | p99 | non-2xx | vs hello-world |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, path, runs in (("Concert", first, http["concert"]), ("hello-world", "/hello",
                                                                   http["hello"])):
        middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
        shown = f"{median_ratio:.2f}x" if name == "Concert" else "1.00x"
        lines.append(f"| {name} | {path} | {middle['rps']:.0f} | {middle['p50']} | "
                     f"{middle['p99']} | {sum(r['errors'] for r in runs)} | {shown} |")
    return [*lines, "", f"Each round, Concert vs hello-world requests/s: {per_round}; the "
                        "ratio is the median of the rounds' ratios."]


if __name__ == "__main__":
    main()
