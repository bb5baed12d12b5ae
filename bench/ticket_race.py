"""Benchmarks the race for the last seats: N buyers, M seats, on MariaDB/MySQL.

Usage: .venv/bin/python bench/ticket_race.py [--buyers 50] [--seats 20] [--quantity 1]
       [--rounds 5] [--processes P]

Every round, N buyers order the same ticket type at once through the service's order path
(`apps.tickets.services.order_create` with an idempotency key: event lock, order, items,
tickets, then the conditional update), then through a raw-SQL baseline of the same
conditional update alone (raw MySQLdb connections). By default each buyer is a thread with
its own connection, opened before the start; with `--processes P` the buyers are split into
P groups, each group one process (one connection) ordering one buyer after another, so the
interpreter lock of one process does not decide the figure. It prints orders per second,
latency percentiles and, per attempt, the time spent before the seat update (the order's
own work), in it (waiting for the seat row's lock) and after it until the service returns
(the commit, which releases the lock, and the work after it), asserts that nothing was
oversold, and writes bench/out/ticket_race.json.

The database is `test_concert_bench` (the CI user has rights on `test\\_concert%`), created
with Django's test-database machinery and dropped at the end. DATABASE_URL must be mysql://.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from harness import DEFAULT_DATABASE_URL, load_average, write_section  # noqa: E402
from sale import sale_open  # noqa: E402

OUT = ROOT / "bench" / "out" / "ticket_race.json"
BENCH_DB = "test_concert_bench"



def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=50, help="concurrent buyers (threads)")
    parser.add_argument("--seats", type=int, default=20, help="capacity of the ticket type")
    parser.add_argument("--quantity", type=int, default=1, help="tickets per order")
    parser.add_argument("--rounds", type=int, default=5, help="races per path")
    parser.add_argument("--processes", type=int, default=0,
                        help="buyer groups, one process each (default: one thread per buyer)")
    args = parser.parse_args()
    if min(args.buyers, args.seats, args.quantity, args.rounds) < 1 or args.processes < 0:
        parser.error("every number must be at least 1")
    args.processes = min(args.processes, args.buyers)
    return args


def setup_django() -> None:
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if urlparse(url).scheme != "mysql":
        raise SystemExit("bench/ticket_race.py needs DATABASE_URL=mysql://... (MariaDB/MySQL)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concert.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentiles(latencies: list[float]) -> dict[str, float]:
    if len(latencies) < 2:
        value = latencies[0] * 1000 if latencies else 0.0
        return {"p50_ms": value, "p90_ms": value, "p99_ms": value}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p90_ms": cuts[89] * 1000, "p99_ms": cuts[98] * 1000}


Outcome = tuple[str, float, dict[str, float]]  # outcome, seconds, phases in seconds


def server_cpu_reader():
    """A function returning the CPU time the database server has used so far, when the
    server runs on this machine (its pid file and /proc are readable); else None."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@pid_file")
            stat = Path(f"/proc/{Path(cursor.fetchone()[0]).read_text().strip()}/stat")
        stat.read_text()
    except (OSError, TypeError):
        return lambda: None

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime+stime

    return read


Race = tuple[float, list[Outcome], dict[str, float | None]]  # wall, outcomes, CPU seconds


def race(n: int, prepare, attempt, server_cpu) -> Race:
    """Starts n threads together; each prepares (connects) first, then times one attempt.
    Returns the wall time from the start to the last answer, each attempt's outcome and the
    CPU time the attempts took in the buyers (threads) and in the database server."""
    barrier = threading.Barrier(n + 1)
    results: list[Outcome] = [("not run", 0.0, {})] * n
    cpu = [0.0] * n

    def run(i: int) -> None:
        state = prepare(i)
        try:
            barrier.wait()
            started = time.thread_time()
            results[i] = timed_attempt(attempt, i, state)
            cpu[i] = time.thread_time() - started
        finally:
            state["close"]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, server = time.perf_counter(), server_cpu()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results, _cpu(sum(cpu), server, server_cpu())


def race_processes(n: int, groups: int, prepare, attempt, server_cpu) -> Race:
    """Splits the n buyers into groups, one forked process (one connection) per group, all
    started together; each group orders one buyer after another. Same return as race()."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's socket
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(groups + 1)
    answers = context.SimpleQueue()
    members = [list(range(g, n, groups)) for g in range(groups)]
    children = [context.Process(target=_group, args=(ids, prepare, attempt, barrier, answers))
                for ids in members]
    for child in children:
        child.start()
    barrier.wait()
    started, server = time.perf_counter(), server_cpu()  # CLOCK_MONOTONIC: one clock for all
    results: list[Outcome] = []
    finished, buyers_cpu = started, 0.0
    for _ in children:
        group_results, group_finished, group_cpu = answers.get()
        results.extend(group_results)
        finished, buyers_cpu = max(finished, group_finished), buyers_cpu + group_cpu
    server_after = server_cpu()
    for child in children:
        child.join()
        if child.exitcode:
            raise SystemExit(f"a buyer group failed (exit status {child.exitcode})")
    return finished - started, results, _cpu(buyers_cpu, server, server_after)


def _group(ids: list[int], prepare, attempt, barrier, answers) -> None:
    state = prepare(ids[0])
    try:
        barrier.wait()
        started = time.process_time()
        results = [timed_attempt(attempt, i, state) for i in ids]
        answers.put((results, time.perf_counter(), time.process_time() - started))
    finally:
        state["close"]()


def _cpu(buyers: float, server: float | None, server_after: float | None) -> dict:
    return {"buyers_s": buyers,
            "server_s": None if server is None or server_after is None else server_after - server}


def timed_attempt(attempt, i: int, state: dict) -> Outcome:
    state["seat"] = []  # (start, end) of each seat update, filled by the path
    state["released"] = []  # when the commit returned, releasing the seat row
    started = time.perf_counter()
    try:
        outcome = attempt(i, state)
    except Exception as exc:
        outcome = f"error: {type(exc).__name__}: {exc}"
    ended = time.perf_counter()
    phases: dict[str, float] = {}
    if state["seat"] and state["released"]:
        first, last = state["seat"][0][0], state["seat"][-1][1]
        released = state["released"][-1]
        phases = {"before_s": first - started,
                  "lock_wait_s": sum(e - s for s, e in state["seat"]),
                  "commit_s": released - last,
                  "after_s": ended - released}
    return outcome, ended - started, phases


def service_path(event_id: int, ticket_type_id: int, buyers: list, quantity: int):
    from django.db import connection

    from apps.tickets.errors import SoldOut
    from apps.tickets.models import TicketType
    from apps.tickets.services import OrderLine, order_create

    seat_update = f"UPDATE {connection.ops.quote_name(TicketType._meta.db_table)} "

    def prepare(i: int) -> dict:
        connection.ensure_connection()
        state: dict = {"close": connection.close}

        def time_seat_update(execute, sql, params, many, context):
            if not sql.startswith(seat_update):
                return execute(sql, params, many, context)
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                state["seat"].append((started, time.perf_counter()))

        commit = connection._commit

        def timed_commit():  # the driver's COMMIT, which frees the seat row
            try:
                return commit()
            finally:
                state["released"].append(time.perf_counter())

        # Installed for the whole run of this thread or process; never removed.
        connection.execute_wrappers.append(time_seat_update)
        connection._commit = timed_commit
        return state

    def attempt(i: int, state: dict) -> str:
        try:
            order_create(buyer=buyers[i], event_id=event_id,
                         lines=[OrderLine(ticket_type_id, quantity)],
                         idempotency_key=uuid.uuid4().hex)  # the API requires one
        except SoldOut:
            return "sold_out"
        return "ok"

    return prepare, attempt


def raw_path(creds: dict, table: str, ticket_type_id: int, quantity: int):
    import MySQLdb

    sql = (f"UPDATE {table} SET sold = sold + %s "
           "WHERE id = %s AND sold + %s <= capacity")

    def prepare(i: int) -> dict:
        conn = MySQLdb.connect(db=BENCH_DB, **creds)
        conn.autocommit(False)
        cursor = conn.cursor()
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return {"conn": conn, "cursor": cursor, "close": conn.close}

    def attempt(i: int, state: dict) -> str:
        started = time.perf_counter()
        updated = state["cursor"].execute(sql, (quantity, ticket_type_id, quantity))
        state["seat"].append((started, time.perf_counter()))
        state["conn"].commit()
        state["released"].append(time.perf_counter())
        return "ok" if updated == 1 else "sold_out"

    return prepare, attempt


def summarize(name: str, rounds: list[Race], sold: list[int],
              seats: int, quantity: int) -> dict:
    latencies = [seconds for _, results, _ in rounds for _, seconds, _ in results]
    outcomes = [outcome for _, results, _ in rounds for outcome, _, _ in results]
    phases = [p for _, results, _ in rounds for outcome, _, p in results if outcome == "ok"]
    wall = sum(w for w, _, _ in rounds)
    buyers_cpu = sum(cpu["buyers_s"] for _, _, cpu in rounds)
    server_cpu = (None if any(cpu["server_s"] is None for _, _, cpu in rounds)
                  else sum(cpu["server_s"] for _, _, cpu in rounds))
    ok = outcomes.count("ok")
    errors = sorted({o for o in outcomes if o not in ("ok", "sold_out")})
    expected = min(seats // quantity, len(rounds[0][1])) * quantity
    assert all(s <= seats for s in sold), f"{name}: oversold: {sold} > {seats}"
    assert all(s == expected for s in sold), f"{name}: sold {sold}, expected {expected}"
    assert not errors, f"{name}: {errors}"
    return {
        "path": name,
        "rounds": len(rounds),
        "attempts": len(outcomes),
        "orders": ok,
        "sold_out": outcomes.count("sold_out"),
        "sold_per_round": sold,
        "wall_seconds": wall,
        "orders_per_second": ok / wall,
        "attempts_per_second": len(outcomes) / wall,
        **percentiles(latencies),
        "sold_orders_phase_p50_ms": {
            key: statistics.median(p[key] for p in phases) * 1000
            for key in ("before_s", "lock_wait_s", "commit_s", "after_s")
        } if phases else {},
        # Each sale holds the seat row from its update to its commit; one ticket type sells
        # at most one order per hold, however many buyers and CPUs there are.
        # The update's own run is its fastest (no wait): the row is held from within it.
        # Every attempt's CPU (sold-out ones included) per order sold: on a machine where
        # buyers and database share the cores, cores / this bounds the orders per second.
        "cpu_ms_per_order": {
            "buyers": buyers_cpu / ok * 1000,
            "database": server_cpu / ok * 1000 if server_cpu is not None else None,
        },
        "row_ceiling_orders_per_second": (
            1 / (statistics.mean(p["commit_s"] for p in phases)
                 + min(p["lock_wait_s"] for p in phases)) if phases else 0.0),
    }


def main() -> None:
    args = parse_args()
    load = load_average()
    setup_django()

    import django
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from apps.accounts.models import User
    from apps.tickets.models import Order, Ticket, TicketType

    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DB
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        event, ticket_type = sale_open(name="Bench night", seats=args.seats,
                                       max_per_order=args.quantity)
        User.objects.bulk_create(User(username=f"bench-buyer-{i}", password=make_password(None))
                                 for i in range(args.buyers))
        buyers = list(User.objects.filter(username__startswith="bench-buyer-").order_by("pk"))

        def reset() -> None:
            Ticket.objects.all().delete()
            Order.objects.all().delete()
            TicketType.objects.filter(pk=ticket_type.pk).update(sold=0)

        def sold() -> int:
            return TicketType.objects.values_list("sold", flat=True).get(pk=ticket_type.pk)

        server_cpu = server_cpu_reader()

        def run_race(prepare, attempt) -> Race:
            if args.processes:
                return race_processes(args.buyers, args.processes, prepare, attempt,
                                      server_cpu)
            return race(args.buyers, prepare, attempt, server_cpu)

        service_rounds, service_sold = [], []
        prepare, attempt = service_path(event.pk, ticket_type.pk, buyers, args.quantity)
        for _ in range(args.rounds):
            reset()
            service_rounds.append(run_race(prepare, attempt))
            service_sold.append(sold())
            tickets = Ticket.objects.count()
            assert tickets == service_sold[-1], f"{tickets} tickets for {service_sold[-1]} sold"

        db = connection.settings_dict
        creds = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 3306),
                 "user": db["USER"], "password": db["PASSWORD"]}
        table = connection.ops.quote_name(TicketType._meta.db_table)
        raw_rounds, raw_sold = [], []
        prepare, attempt = raw_path(creds, table, ticket_type.pk, args.quantity)
        for _ in range(args.rounds):
            reset()
            raw_rounds.append(run_race(prepare, attempt))
            raw_sold.append(sold())

        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            server = cursor.fetchone()[0]
        results = [
            summarize("service order_create", service_rounds, service_sold, args.seats,
                      args.quantity),
            summarize("raw SQL conditional UPDATE", raw_rounds, raw_sold, args.seats,
                      args.quantity),
        ]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    report = {
        "benchmark": "ticket_race",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "database": server,
        "load": load,
        "cores": os.cpu_count(),
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "results": results,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    if args.processes:  # the mode results.md records: one process per buyer group
        write_section("bench/ticket_race.py", markdown(report))
        print("wrote its section of bench/results.md")


def cpu_per_order(r: dict) -> float | None:
    cpu = r["cpu_ms_per_order"]
    return None if cpu["database"] is None else cpu["buyers"] + cpu["database"]


def cpu_text(r: dict, cores: int) -> str:
    total = cpu_per_order(r)
    if total is None:
        return f"{r['cpu_ms_per_order']['buyers']:.2f} + ? ms | ?"
    return (f"{r['cpu_ms_per_order']['buyers']:.2f} + {r['cpu_ms_per_order']['database']:.2f}"
            f" ms | {cores * 1000 / total:.0f}")


def ceiling_ratio(service: dict, raw: dict) -> float:
    return service["row_ceiling_orders_per_second"] / raw["row_ceiling_orders_per_second"]


def markdown(report: dict) -> str:
    a = report["args"]
    service, raw = report["results"]
    rows = []
    for r in report["results"]:
        ph = r["sold_orders_phase_p50_ms"]
        rows.append(f"| {r['path']} | {r['orders']} | {r['sold_out']} | "
                    f"{r['orders_per_second']:.0f} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | "
                    f"{ph['before_s']:.2f} / {ph['lock_wait_s']:.2f} / {ph['commit_s']:.2f} / "
                    f"{ph['after_s']:.2f} ms | {cpu_text(r, report['cores'])} | "
                    f"{r['row_ceiling_orders_per_second']:.0f} |")
    return "\n".join([
        "## Race for the last seats (`bench/ticket_race.py`)",
        "",
        f"Measured {report['when']} ({report['load']} at the start), {report['database']}: "
        f"{a['buyers']} buyers x {a['quantity']} ticket for {a['seats']} seats, {a['rounds']} "
        f"rounds per path, the buyers split into {a['processes']} processes (one connection "
        "each, buyers one after another), both paths in the same run.",
        "",
        "| path | orders | sold out | orders/s | p50 | p99 | before / in the seat update / "
        "commit / after (p50) | CPU per order: buyers + database | CPU's ceiling here, "
        "orders/s | seat row's ceiling, orders/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Service path against the bare conditional UPDATE: "
        f"**{service['orders_per_second'] / raw['orders_per_second']:.2f}x** orders per second. "
        "Seat row's ceiling, service against bare UPDATE: "
        f"**{ceiling_ratio(service, raw):.2f}x**. "
        "Before: the order's own work (buyer lock, key, event lock, order, items, tickets), "
        "done by all buyers in parallel; in the seat update: queueing for the row lock, then "
        "the update; commit: until the commit returns and the row is free again; after: what "
        "runs after the commit. The seat row's ceiling is 1 / (mean commit + the fastest "
        "update): the orders per second one ticket type sells when every buyer has a CPU of "
        "its own, as on Lambda. CPU per order: the CPU time of every attempt (sold-out ones "
        "too) per order sold, in the buyers' processes and in the database server; the "
        f"CPU's ceiling is the {report['cores']} cores of this machine divided by it, the "
        "most orders per second this machine can sell by that path whatever the locks. "
        "Never oversold: sold per round "
        f"{service['sold_per_round']} (service), {raw['sold_per_round']} (raw).",
    ])


def print_table(report: dict) -> None:
    a = report["args"]
    mode = (f"{a['processes']} processes" if a.get("processes")
            else f"{a['buyers']} threads")
    print(f"ticket race: {a['buyers']} buyers x {a['quantity']} ticket(s) for {a['seats']} "
          f"seats, {a['rounds']} rounds, {mode}, {report['database']}")
    header = (f"{'path':<28} {'orders':>7} {'sold out':>8} {'orders/s':>9} {'tries/s':>8} "
              f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}")
    print(header)
    print("-" * len(header))
    for r in report["results"]:
        print(f"{r['path']:<28} {r['orders']:>7} {r['sold_out']:>8} "
              f"{r['orders_per_second']:>9.1f} {r['attempts_per_second']:>8.1f} "
              f"{r['p50_ms']:>7.2f} {r['p90_ms']:>7.2f} {r['p99_ms']:>7.2f}")
    service, raw = report["results"]
    print(f"service / raw orders per second: "
          f"{service['orders_per_second'] / raw['orders_per_second']:.2f}x")
    print("orders sold, p50 per attempt: before the seat update (the order's work) / in it "
          "(waiting for the row lock) / commit (row held) / after the commit; seat row's ceiling")
    for r in report["results"]:
        ph = r["sold_orders_phase_p50_ms"]
        if ph:
            print(f"  {r['path']:<28} {ph['before_s']:>7.2f} / {ph['lock_wait_s']:>7.2f} / "
                  f"{ph['commit_s']:>7.2f} / {ph['after_s']:>7.2f} ms; "
                  f"{r['row_ceiling_orders_per_second']:.0f} orders/s")
    print(f"service / raw seat row's ceiling: {ceiling_ratio(service, raw):.2f}x")
    print("CPU per order, buyers + database server; what the machine's cores allow")
    for r in report["results"]:
        print(f"  {r['path']:<28} {cpu_text(r, report['cores']).replace(' ms | ', ' ms; ')}"
              " orders/s")
    print(f"never oversold: sold per round {report['results'][0]['sold_per_round']} "
          f"(service), {report['results'][1]['sold_per_round']} (raw) <= {a['seats']}")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
