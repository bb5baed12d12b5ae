"""Runs in a fresh process: imports a Lambda handler, serves one request, then warm requests.

Prints one JSON object: import and first-request times in ms (and how much of them the
garbage collector took), and per-path warm latencies.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import statistics
import sys
import time
from types import SimpleNamespace


def event(path: str) -> dict:
    raw_path, _, query = path.partition("?")
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": query,
        "headers": {"host": "bench.execute-api.local", "x-forwarded-proto": "https",
                    "accept": "application/json"},
        "requestContext": {"http": {"method": "GET", "path": raw_path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1"},
                           "requestId": "bench", "stage": "$default"},
        "isBase64Encoded": False,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--handler", required=True, help="module with handler(event, context)")
    parser.add_argument("--first", required=True, help="path of the first request")
    parser.add_argument("--warm", type=int, default=0, help="warm requests per path")
    parser.add_argument("--paths", default="", help="comma-separated warm paths")
    args = parser.parse_args()

    sys.path.insert(0, args.project_dir)
    context = SimpleNamespace(aws_request_id="bench")
    collecting = {"since": 0.0, "ms": 0.0}

    def track_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.perf_counter()
        else:
            collecting["ms"] += (time.perf_counter() - collecting["since"]) * 1000

    gc.callbacks.append(track_gc)
    started, cpu_started = time.perf_counter(), time.process_time()
    module = importlib.import_module(args.handler)
    imported = time.perf_counter()
    response = module.handler(event(args.first), context)
    served, cpu_served = time.perf_counter(), time.process_time()
    gc.callbacks.remove(track_gc)
    result = {
        "import_ms": (imported - started) * 1000,
        "first_ms": (served - imported) * 1000,
        "cold_ms": (served - started) * 1000,
        # The process's own CPU time: on a busy machine it moves far less than wall time.
        "cold_cpu_ms": (cpu_served - cpu_started) * 1000,
        "gc_ms": collecting["ms"],
        "status": response["statusCode"],
        "warm": {},
    }
    for path in filter(None, args.paths.split(",")):
        timings = []
        for _ in range(args.warm):
            t0 = time.perf_counter()
            status = module.handler(event(path), context)["statusCode"]
            timings.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
        result["warm"][path] = {
            "p50_ms": statistics.median(timings),
            "p99_ms": percentile(timings, 0.99),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
