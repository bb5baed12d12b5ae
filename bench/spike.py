"""On-sale spike over HTTP: many buyers for one ticket type, a burst, then a second wave.

Usage: .venv/bin/python bench/spike.py [--buyers 1000] [--seats 500] [--first-wave 400]
       [--retries 100] [--workers N] [--timeout 120]

Concert runs under gunicorn (sync workers, by default 2 x cores + 1) on loopback, built as
the Lambda image holds it (bench/harness.py), against MariaDB/MySQL (DATABASE_URL; its own
database `test_concert_spike`, dropped at the end) and Redis when REDIS_URL is set. Buyers
sign in with tokens of the local dev issuer (the service verifies them as it verifies
Cognito's) and open the event page first (their accounts exist before the sale). Then:

- the burst: `--first-wave` buyers press "buy" at the same instant, one ticket each;
- the second wave: every other buyer at once, together with `--retries` buyers of the
  burst sending their order again with the same Idempotency-Key (an answer lost on the way).

Every request is `POST /api/v1/orders` on a fresh connection. The run fails unless every
answer is a 201 or a 409 `sold_out`, exactly `--seats` tickets are sold, and each retry gets
the order its first attempt made. It prints, per wave, the answers, orders per second and
p50/p99 latency from the wave's start, and each worker's peak memory (VmHWM), then writes
bench/out/spike.json and its section of bench/results.md. Every wait is bounded: the run
stops by itself after `--timeout` seconds at most per wave.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from harness import OUT, PYTHON, ROOT, sh

SPIKE_DB = "test_concert_spike"
SPIKE_APP = OUT / "spike-app"
JSON_OUT = OUT / "spike.json"

# Runs in the app's venv (manage.py shell): the sale, and one dev-issuer token per buyer.
SETUP = """
import json, sys
sys.path.insert(0, {bench!r})
from apps.accounts.dev_issuer import dev_token_mint
from sale import sale_open

event, ticket_type = sale_open(name="Spike night", seats={seats}, max_per_order=4,
                               max_per_buyer=4)
tokens = [dev_token_mint(email=f"fan-{{i}}@example.com", groups=[], ttl_seconds=3600)
          for i in range({buyers})]
print(json.dumps({{"event": event.pk, "slug": event.slug, "ticket_type": ticket_type.pk,
                   "tokens": tokens}}))
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=500)
    parser.add_argument("--first-wave", type=int, default=400, help="buyers in the burst")
    parser.add_argument("--retries", type=int, default=100,
                        help="burst buyers who send their order again in the second wave")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--timeout", type=float, default=120, help="seconds per wave at most")
    args = parser.parse_args()
    if not 0 < args.first_wave <= args.buyers or not 0 <= args.retries <= args.first_wave:
        parser.error("need 0 < --first-wave <= --buyers and 0 <= --retries <= --first-wave")
    if min(args.seats, args.workers) < 1:
        parser.error("--seats and --workers must be at least 1")
    return args


async def request(port: int, method: str, path: str, token: str, *, body: bytes = b"",
                  key: str = "", timeout: float) -> tuple[int, dict, float]:
    """One HTTP/1.1 request on a fresh connection; (status, JSON body, seconds)."""
    started = time.perf_counter()
    headers = [f"{method} {path} HTTP/1.1", "Host: spike.local", "Connection: close",
               f"Authorization: Bearer {token}", "Accept: application/json",
               f"Content-Length: {len(body)}"]
    if body:
        headers.append("Content-Type: application/json")
    if key:
        headers.append(f"Idempotency-Key: {key}")
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await reader.read()
            writer.close()
    except (OSError, TimeoutError) as exc:
        return 0, {"transport": f"{type(exc).__name__}: {exc}"}, time.perf_counter() - started
    elapsed = time.perf_counter() - started
    head, _, payload = raw.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
        data = json.loads(payload) if payload else {}
    except (IndexError, ValueError):
        return 0, {"unparsed": raw[:200].decode(errors="replace")}, elapsed
    return status, data, elapsed


async def wave(port: int, attempts: list[dict], timeout: float) -> tuple[float, list[dict]]:
    """Sends every attempt at the same instant; returns the wave's wall time and answers."""
    async def one(attempt: dict) -> dict:
        status, data, seconds = await request(
            port, "POST", "/api/v1/orders", attempt["token"], body=attempt["body"],
            key=attempt["key"], timeout=timeout)
        return {**attempt, "status": status, "data": data, "seconds": seconds}

    started = time.perf_counter()
    answers = await asyncio.gather(*(one(a) for a in attempts))
    return time.perf_counter() - started, answers


async def sign_in(port: int, tokens: list[str], slug: str, timeout: float) -> None:
    """Each buyer opens the event page signed in (their account is made on first use)."""
    gate = asyncio.Semaphore(16)

    async def one(token: str) -> None:
        async with gate:
            status, data, _ = await request(port, "GET", f"/api/v1/events/{slug}", token,
                                            timeout=timeout)
            if status != 200:
                raise SystemExit(f"sign-in answered {status}: {data}")

    await asyncio.gather(*(one(t) for t in tokens))


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def summarize(name: str, wall: float, answers: list[dict]) -> dict:
    outcomes: dict[str, int] = {}
    for a in answers:
        label = str(a["status"])
        if a["status"] >= 400 or a["status"] == 0:
            label += " " + str(a["data"].get("error", {}).get("code") or a["data"])[:80]
        outcomes[label] = outcomes.get(label, 0) + 1
    seconds = [a["seconds"] for a in answers]
    created = sum(1 for a in answers if a["status"] == 201)
    return {
        "wave": name, "requests": len(answers), "answers": outcomes, "wall_s": wall,
        "created_per_s": created / wall if wall else 0.0,
        "requests_per_s": len(answers) / wall if wall else 0.0,
        "p50_ms": statistics.median(seconds) * 1000 if seconds else 0.0,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "max_ms": max(seconds, default=0.0) * 1000,
    }


def database_state(creds: dict) -> dict:
    import MySQLdb

    conn = MySQLdb.connect(db=SPIKE_DB, **creds)
    cursor = conn.cursor()
    counts = {}
    for name, sql in (
        ("sold", "SELECT COALESCE(SUM(sold), 0) FROM tickets_tickettype"),
        ("orders", "SELECT COUNT(*) FROM tickets_order WHERE status = 'confirmed'"),
        ("tickets", "SELECT COUNT(*) FROM tickets_ticket"),
        ("idempotency_keys", "SELECT COUNT(*) FROM tickets_idempotencykey"),
    ):
        cursor.execute(sql)
        counts[name] = int(cursor.fetchone()[0])
    conn.close()
    return counts


def check(args: argparse.Namespace, answers: list[dict], state: dict) -> list[str]:
    """What must hold after the sale; an empty list when it all does."""
    problems = []
    unclean = [a for a in answers if not (
        a["status"] == 201
        or (a["status"] == 409 and a["data"].get("error", {}).get("code") == "sold_out"))]
    if unclean:
        sample = [(a["status"], a["data"]) for a in unclean[:5]]
        problems.append(f"{len(unclean)} answers neither 201 nor 409 sold_out, e.g. {sample}")
    expected = min(args.seats, args.buyers)
    if not state["sold"] == state["tickets"] == state["orders"] == expected:
        problems.append(f"sold {state['sold']}, tickets {state['tickets']}, orders "
                        f"{state['orders']}; expected {expected} of each")
    first = {a["key"]: a for a in answers if not a["retry"]}
    for retry in (a for a in answers if a["retry"]):
        original = first[retry["key"]]
        if retry["status"] != original["status"] or (
                retry["status"] == 201 and retry["data"].get("id") != original["data"].get("id")):
            problems.append(f"retry of key {retry['key']} answered {retry['status']} "
                            f"{retry['data']}, its first attempt {original['status']} "
                            f"{original['data'].get('id')}")
            break
    return problems


def main() -> None:
    args = parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    OUT.mkdir(parents=True, exist_ok=True)
    harness.runtime_venv()
    url, creds = harness.database(SPIKE_DB)
    harness.recreate_database(creds, SPIKE_DB)
    # Not production mode only so that the dev issuer signs the buyers' tokens; the service
    # verifies them as it verifies Cognito's. Rates: one buyer sends two or three requests.
    env = harness.concert_env(url, CONCERT_PRODUCTION="false", DJANGO_DEBUG="false")
    try:
        app = harness.image_tree(env, SPIKE_APP)
        sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env, cwd=app)
        setup = json.loads(sh(PYTHON, "manage.py", "shell", "-c",
                              SETUP.format(bench=str(ROOT / "bench"), seats=args.seats,
                                           buyers=args.buyers),
                              env=env, cwd=app).strip().splitlines()[-1])
        report = run_sale(args, app, env, setup, creds)
    finally:
        harness.drop_database(creds, SPIKE_DB)
    JSON_OUT.write_text(json.dumps(report, indent=2) + "\n")
    text = render(report)
    harness.write_section("bench/spike.py", text)
    print(text)
    print(f"wrote {JSON_OUT.relative_to(ROOT)} and its section of bench/results.md")
    if report["problems"]:
        raise SystemExit("spike failed:\n- " + "\n- ".join(report["problems"]))


def run_sale(args: argparse.Namespace, app: Path, env: dict, setup: dict, creds: dict) -> dict:
    tokens = setup["tokens"]
    body = json.dumps({"event": setup["event"],
                       "items": [{"ticket_type": setup["ticket_type"], "quantity": 1}]}).encode()
    attempts = [{"buyer": i, "token": t, "key": uuid.uuid4().hex, "body": body, "retry": False}
                for i, t in enumerate(tokens)]
    burst = attempts[:args.first_wave]
    second = attempts[args.first_wave:] + [{**a, "retry": True} for a in burst[:args.retries]]
    wsgi = "concert.wsgi:application"
    with harness.gunicorn(app, wsgi, env, workers=args.workers) as (port, server):
        asyncio.run(sign_in(port, tokens, setup["slug"], args.timeout))
        load_before = harness.load_average()
        burst_wall, burst_answers = asyncio.run(wave(port, burst, args.timeout))
        second_wall, second_answers = asyncio.run(wave(port, second, args.timeout))
        workers = {pid: peak_rss_mb(pid) for pid in worker_pids(server.pid)}
    answers = burst_answers + second_answers
    state = database_state(creds)
    return {
        "benchmark": "spike",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "load": load_before,
        "waves": [summarize(f"burst: {len(burst)} buyers at once", burst_wall, burst_answers),
                  summarize(f"second wave: {len(second) - args.retries} buyers + "
                            f"{args.retries} retries", second_wall, second_answers)],
        "database": state,
        "worker_peak_rss_mb": sorted(workers.values()),
        "problems": check(args, answers, state),
    }


def render(report: dict) -> str:
    a = report["args"]
    rss = report["worker_peak_rss_mb"]
    lines = [
        "## On-sale spike over HTTP (`bench/spike.py`)",
        "",
        f"Measured {report['when']}: {a['buyers']} buyers, {a['seats']} seats, gunicorn with "
        f"{a['workers']} sync workers on loopback, Concert built as the image, every order "
        f"`POST /api/v1/orders` with a token and an Idempotency-Key on a fresh connection; "
        f"client, server, MariaDB and Redis share the machine ({report['load']} at the start).",
        "",
        "| wave | requests | answers | answers/s | p50 | p99 | max |",
        "|---|---|---|---|---|---|---|",
        *(f"| {w['wave']} | {w['requests']} | "
          + ", ".join(f"{k}: {v}" for k, v in sorted(w["answers"].items()))
          + f" | {w['requests_per_s']:.0f} | {w['p50_ms']:.0f} ms | {w['p99_ms']:.0f} ms "
          f"| {w['max_ms']:.0f} ms |" for w in report["waves"]),
        "",
        f"Database after the sale: {report['database']['sold']} sold, "
        f"{report['database']['orders']} confirmed orders, {report['database']['tickets']} "
        f"tickets, {report['database']['idempotency_keys']} idempotency keys. "
        + ("Checks: every answer a 201 or a 409 sold_out, exactly the seats sold, every "
           "retry answered with its first order." if not report["problems"]
           else "PROBLEMS: " + "; ".join(report["problems"])),
        "",
        f"Peak memory (VmHWM) per worker: {', '.join(f'{m:.0f}' for m in rss)} MB"
        + (f" (median {statistics.median(rss):.0f} MB)." if rss else "."),
        "",
        "Latency is from the wave's start to each answer: with sync workers, a buyer waits "
        "in the listen queue until a worker is free, so p99 is the time the workers take to "
        "drain the wave.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
