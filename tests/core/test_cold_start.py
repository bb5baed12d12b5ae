"""Cold start: routes, schema machinery and static files load when first needed, and all work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, resolve, reverse

from concert import urls
from concert.api.middleware import StaticFilesMiddleware
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "events", "tickets", "files", "licensing", "usage")


@pytest.fixture(scope="module")
def fresh_process_env(tmp_path_factory):
    """Environment of a fresh process on a migrated SQLite database of its own."""
    database = tmp_path_factory.mktemp("cold") / "db.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "CONCERT_", "REDIS_", "THROTTLE_"))},
        "DJANGO_SETTINGS_MODULE": "concert.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    run_python("import django; django.setup()\n"
               "from django.core.management import call_command\n"
               "call_command('migrate', verbosity=0)", env)
    return env


def run_python(script: str, env: dict) -> Any:
    """Runs `script` in a fresh interpreter; what it printed last, as JSON."""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def test_the_first_catalogue_request_loads_only_the_catalogue(fresh_process_env):
    script = (
        "import gc, json, sys\n"
        "from concert.lambda_handler import handler\n"
        "from tests.core.events import http_v2, lambda_context\n"
        "response = handler(http_v2('GET', '/api/v1/events'), lambda_context())\n"
        "print(json.dumps({'status': response['statusCode'], 'modules': sorted(sys.modules),\n"
        "                  'gc': [gc.isenabled(), gc.get_freeze_count()]}))\n"
    )
    loaded = run_python(script, fresh_process_env)
    assert loaded["status"] == 200
    modules = set(loaded["modules"])
    assert "apps.events.urls" in modules
    # Nor another app's services (usage meters every request): the admin and the
    # authentication classes import theirs with their first use, and start-up steps are
    # registered by name (apps/*/moments.py).
    other_apps = {f"apps.{app}.{part}" for app in APPS if app != "events"
                  for part in ("urls", "apis", *(("services",) if app != "usage" else ()))}
    assert modules & other_apps == set()
    # Neither the picture codec, the AWS SDK nor the schema machinery (drf-spectacular's
    # openapi module, and django.test with it) is needed to list events.
    assert modules & {"PIL", "boto3", "botocore", "drf_spectacular.openapi",
                      "django.test"} == set()
    # Nor the admin's sign-in throttle, which loads with the first sign-in.
    assert {m for m in modules if m.startswith("django_ratelimit")} == set()
    # Paused while Django started, the collector runs again, start-up's objects frozen.
    enabled, frozen = loaded["gc"]
    assert enabled
    assert frozen > 50_000


def _sample(route: str) -> tuple[str, dict]:
    """A path matching `route`, and the kwargs reverse() needs to build it back."""
    values = {"int": 7, "str": "some-slug", "uuid": uuid.UUID(int=42), "slug": "some-slug"}
    kwargs = {}

    def fill(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        kwargs[name] = values[converter]
        return str(values[converter])

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, route), kwargs


def test_every_api_route_resolves_and_reverses_through_the_lazy_includes():
    routes = 0
    for include in urls.api_v1():
        assert isinstance(include, URLResolver)
        for pattern in include.url_patterns:
            assert isinstance(pattern, URLPattern)
            name = f"{include.namespace}:{pattern.name}" if include.namespace else pattern.name
            path, kwargs = _sample(str(pattern.pattern))
            match = resolve(f"/api/v1/{path}")
            assert match.view_name == name, path
            # As with path("", include(...)): what monitoring and schema tools read.
            assert match.route == f"api/v1/{pattern.pattern}"
            assert reverse(name, kwargs=kwargs) == f"/api/v1/{path}"
            # The partner paths serve the same views in their own namespace.
            assert resolve(f"/partner/v1/{path}").view_name == f"partner:{name}"
            assert reverse(f"partner:{name}", kwargs=kwargs) == f"/partner/v1/{path}"
            routes += 1
    assert routes >= 30


@pytest.mark.django_db
def test_the_admin_lists_every_app(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, cognito_sub=None))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    listed = {app["app_label"] for app in response.context["app_list"]}
    assert listed >= {*APPS, "auth"}
    assert client.get(reverse("admin:events_event_changelist")).status_code == 200


def test_static_files_are_indexed_with_the_first_request_for_one(settings, tmp_path):
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "site.css").write_text("body {}")
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    middleware = StaticFilesMiddleware(lambda request: "passed on")
    requests = RequestFactory()

    assert middleware(requests.get("/api/v1/events")) == "passed on"
    assert middleware.files == {}
    response = middleware(requests.get("/static/admin/site.css"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"body {}"
    assert set(middleware.files) == {"/static/admin/site.css"}


def test_no_api_module_loads_the_schema_generator(fresh_process_env):
    # Views take extend_schema from concert.api.annotations: drf-spectacular's own decorator
    # would import its openapi module (and django.test) with the first view of each app.
    script = (
        "import json, sys, django\n"
        "django.setup()\n"
        "from importlib import import_module\n"
        f"for app in {APPS!r}:\n"
        "    import_module(f'apps.{app}.urls')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    modules = set(run_python(script, fresh_process_env))
    assert {f"apps.{app}.apis" for app in APPS} <= modules
    assert modules & {"drf_spectacular.openapi", "django.test"} == set()
