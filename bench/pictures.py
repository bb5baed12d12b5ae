"""Benchmarks what one picture upload costs at the limits: CPU time and peak memory.

Usage: .venv/bin/python bench/pictures.py [--runs 3]

Each case is a picture at a limit (PICTURE_MAX_PIXELS, PICTURE_MAX_SIDE), small on the wire
(flat colour and gradients compress to a few hundred KB at most, as an attacker's would),
stored through `apps.core.pictures.picture_store` in a fresh process: the figures are that
call's CPU time (user + system) and how far its peak resident memory rose above what the
process held before it (Linux: VmHWM, reset through /proc/self/clear_refs).
Each case also runs as uploads were handled before (STORED_SIDE past the picture and WebP on
the full pixel budget, so the whole picture is decoded, converted and re-encoded at full
size) to show what the bounds buy. Prints a table, writes bench/out/pictures.json and its
section of bench/results.md. Needs no database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from harness import load_average, write_section  # noqa: E402

CASES = [  # (name, format, width, height, mode)
    ("WebP 5000x5000 (the attack's)", "WEBP", 5000, 5000, "RGB"),
    ("WebP 3535x3535 (its max pixels)", "WEBP", 3535, 3535, "RGB"),
    ("PNG 5000x5000 (max pixels)", "PNG", 5000, 5000, "RGB"),
    ("PNG 5000x5000 with alpha", "PNG", 5000, 5000, "RGBA"),
    ("JPEG 5000x5000 (max pixels)", "JPEG", 5000, 5000, "RGB"),
    ("WebP 8192x1525 (max side)", "WEBP", 8192, 1525, "RGB"),
    ("JPEG 8192x3051 (max side)", "JPEG", 8192, 3051, "RGB"),
]

CHILD = """
import json, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from apps.core import pictures


def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB -> MB


if sys.argv[2] == "full":
    pictures.STORED_SIDE = 10**6
    pictures.PIXEL_COST = {}
upload = SimpleUploadedFile("p", open(sys.argv[1], "rb").read())
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak (VmHWM) starts again from what is resident now
resident = status("VmRSS")
before = resource.getrusage(resource.RUSAGE_SELF)
try:
    stored = pictures.picture_store(upload=upload, prefix="bench/1")
    outcome = {"stored": [stored.width, stored.height]}
except pictures.PictureInvalid as exc:
    outcome = {"refused": exc.message}
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"cpu_ms": cpu * 1000, "peak_mb": status("VmHWM") - resident, **outcome}))
"""


def make_picture(fmt: str, width: int, height: int, mode: str) -> bytes:
    from PIL import Image

    # A horizontal gradient under a vertical one: cheap on the wire, real work to decode.
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = Image.linear_gradient("L").rotate(90).resize((width, height))
    bands = [horizontal, vertical, horizontal] + ([vertical] if mode == "RGBA" else [])
    image = Image.merge(mode, bands)
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 85} if fmt != "PNG" else {}))
    return out.getvalue()


def run_case(path: Path, mode: str, env: dict) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per case and mode")
    args = parser.parse_args()
    rows, figures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))},
               "DJANGO_SETTINGS_MODULE": "concert.settings", "PICTURES_ROOT": tmp}
        for name, fmt, width, height, mode in CASES:
            path = Path(tmp) / f"{name.split()[0]}-{width}x{height}-{mode}.{fmt.lower()}"
            path.write_bytes(make_picture(fmt, width, height, mode))
            case = {"case": name, "bytes": path.stat().st_size}
            for how in ("bounded", "full"):
                runs = [run_case(path, how, env) for _ in range(args.runs)]
                failed = [r["error"] for r in runs if "error" in r]
                if failed:
                    case[how] = {"error": failed[0]}
                    continue
                case[how] = {
                    "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
                    "peak_mb": statistics.median(r["peak_mb"] for r in runs),
                    "stored": runs[0].get("stored", []), "refused": runs[0].get("refused"),
                }
            figures.append(case)
            rows.append(case)

    def cell(result: dict) -> str:
        if "error" in result:
            return f"failed: {result['error'][:60]}"
        figures = f"{result['cpu_ms']:.0f} ms, {result['peak_mb']:.0f} MB"
        return f"refused before decoding: {figures}" if result["refused"] else figures

    table = [
        "| picture | bytes | now (CPU, peak memory) | stored | decoded whole, as before |",
        "|---|---|---|---|---|",
        *[f"| {r['case']} | {r['bytes']:,} | {cell(r['bounded'])} | "
          f"{'x'.join(map(str, r['bounded'].get('stored', []))) or '-'} | {cell(r['full'])} |"
          for r in rows],
    ]
    text = "\n".join([
        "## Picture uploads at the limits (`bench/pictures.py`)",
        "",
        f"Median of {args.runs} fresh processes per cell: CPU time of `picture_store` "
        "(user + system) and how far it raised peak resident memory. Load average at the "
        f"end: {load_average()}. {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *table,
    ])
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pictures.json").write_text(json.dumps(figures, indent=2))
    write_section("bench/pictures.py", text)


if __name__ == "__main__":
    main()
