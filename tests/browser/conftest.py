"""Browser fixtures: the system Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here: it launches CHROMIUM_PATH (the distribution's
Chromium by default). Where that is missing the browser tests are skipped, except under
CONCERT_REQUIRE_SERVICES=1 (CI), where a missing browser is a failure.

Playwright's sync API keeps an asyncio loop running in the test's thread, and Django refuses
ORM calls from a thread with a running loop. Tests therefore make their rows in fixtures
requested before `page`, and check results through HTTP once the browser is up.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Run as root on a closed network: no sandbox, no GPU, nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

_call_report = pytest.StashKey[pytest.TestReport]()


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"CONCERT_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    found = shutil.which(CHROMIUM_PATH)
    if found is None:
        _unavailable(f"no Chromium at {CHROMIUM_PATH}: install it or set CHROMIUM_PATH")
    return found


@pytest.fixture
def playwright(live_server, chromium_executable):
    """Playwright, started once the live server and the test's rows exist."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def page(request, playwright, live_server, chromium_executable, tmp_path):
    """A fresh Chromium page on the live server; a failed test leaves a screenshot."""
    browser = playwright.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        yield page
        report = request.node.stash.get(_call_report, None)
        if report is not None and report.failed:
            _screenshot(page, tmp_path / "failure.png")
    finally:
        browser.close()


@pytest.fixture
def http(playwright, live_server):
    """A plain HTTP client on the live server, with no cookies: an anonymous API caller."""
    client = playwright.request.new_context(base_url=live_server.url, timeout=TIMEOUT_MS)
    yield client
    client.dispose()


def _screenshot(page, path: Path) -> None:
    try:
        page.screenshot(path=path, full_page=True)
    except Exception as exc:  # the page may be what broke; the test's own error matters more
        print(f"no screenshot: {exc}")
    else:
        print(f"screenshot of the failure: {path} (at {page.url})")
