"""The README's first screen works as written: `bin/serve`, then the journey commands it
shows (list events, read ticket types, buy with an Idempotency-Key, list the tickets) and
the picture upload (ask for an upload, post to storage, add it) run verbatim in bash
against the server it started, on a fresh SQLite database."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_ADDR = "127.0.0.1:8000"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_block(*, contains: str) -> str:
    """The README's bash block that starts with `source var/demo.env` and holds `contains`."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return next(b for b in blocks if b.startswith("source var/demo.env") and contains in b)


def _json_documents(text: str) -> list:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("jq") is None,
                    reason="the README's commands use curl and jq")
def test_readme_first_screen_buys_tickets_as_written(tmp_path):
    addr = f"127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS"))}
    env.update(CONCERT_ADDR=addr, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               PICTURES_ROOT=str(tmp_path / "media"), FILES_ROOT=str(tmp_path / "files"),
               DEMO_ENV_FILE=str(tmp_path / "demo.env"))
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(["bin/serve"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"http://{addr}/health/live", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.5)
        printed = (tmp_path / "serve.log").read_text()
        assert "Buy two" in printed and "fan: ey" in printed

        def run_block(contains: str, **replace: str) -> str:
            script = (_demo_block(contains=contains).replace(README_ADDR, addr)
                      .replace("var/demo.env", str(tmp_path / "demo.env")))
            for old, new in replace.items():
                script = script.replace(old, new)
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=60)
            assert run.returncode == 0, run.stderr
            return run.stdout

        events, ticket_types, order, tickets = _json_documents(run_block("/orders"))
        poster = tmp_path / "poster.jpg"
        _poster(poster)
        posted, picture = run_block("pictures/uploads", **{"poster.jpg": str(poster)}).split(
            "\n", 1)
        picture = json.loads(picture)
        with urllib.request.urlopen(f"http://{addr}{picture['url']}", timeout=10) as served:
            served_type = served.headers["Content-Type"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

    summaries = {(e["status"], e["tickets"]["availability"]) for e in events["results"]}
    assert summaries == {("published", "on_sale"), ("cancelled", "ended")}
    assert {t["availability"] for t in ticket_types["results"]} == {"on_sale"}
    assert {t["capacity"] for t in ticket_types["results"]} == {None}  # figures stay private
    assert (order["status"], len(order["tickets"])) == ("confirmed", 2)
    assert [t["code"] for t in tickets["results"]] == [t["code"] for t in
                                                       reversed(order["tickets"])]
    # The picture went to storage (the local stand-in of S3), then into the gallery.
    assert posted == "204"
    assert (picture["width"], picture["height"], picture["content_type"]) == (
        1200, 800, "image/jpeg")
    assert served_type == "image/jpeg"


def _poster(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (1200, 800), (20, 120, 140)).save(path, format="JPEG")
