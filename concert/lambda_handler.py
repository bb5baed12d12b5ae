"""AWS Lambda entry point: API Gateway events through apig-wsgi, plus operations events.

Events it answers:
- API Gateway HTTP API (payload 2.0) and REST API (payload 1.0) requests → Django.
- `{"manage": ["migrate", "--noinput"]}` → runs an allowed management command and returns
  `{"exit_status": 0, "output": str}`; a command that fails (or is refused) logs its output
  and ends the invocation in an error, so the function's Errors metric counts it and an
  asynchronous (scheduled) invocation is retried, then lands in the dead-letter queue.
- `{"warmup": true}` (and EventBridge's own scheduled pings) → answered without Django's
  URL stack.
"""

from __future__ import annotations

import gc
import io
import logging
import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concert.settings")

from apig_wsgi import make_lambda_handler

from concert.api import logging as request_logging

logger = logging.getLogger("concert.lambda")


def start_django():
    """Django's WSGI application, imported and built with the cyclic garbage collector paused.

    Start-up creates ~120,000 objects that live as long as the process; the collector would
    walk them over and over while they are made (~35 ms of a cold start), and again in every
    full collection after. Frozen, they are left out of collections for good, with the few
    garbage cycles start-up leaves (~2,000 objects).
    """
    gc.disable()
    try:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
    finally:
        gc.freeze()
        gc.enable()


application = start_django()


def for_api_gateway(app):
    """Adapts Django's WSGI app to what apig-wsgi hands over and passes back.

    A named stage (`/prod/...`) moves from PATH_INFO to SCRIPT_NAME so URLs reverse with it;
    header values lose the leading space Django's Set-Cookie output carries, which WSGI
    servers strip but apig-wsgi copies into the v2 `cookies` list.
    """

    def wrapped(environ, start_response):
        stage = (environ.get("apig_wsgi.request_context") or {}).get("stage", "$default")
        prefix = f"/{stage}"
        path = environ.get("PATH_INFO", "")
        if stage != "$default" and (path == prefix or path.startswith(prefix + "/")):
            environ["SCRIPT_NAME"] = prefix
            environ["PATH_INFO"] = path[len(prefix):] or "/"

        def start(status, headers, exc_info=None):
            return start_response(status, [(k, v.strip()) for k, v in headers], exc_info)

        return app(environ, start)

    return wrapped


apig_handler = make_lambda_handler(for_api_gateway(application), binary_support=True)


def run_management_command(argv: list[str]) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import CommandError

    if not argv or not all(isinstance(arg, str) for arg in argv):
        return {"exit_status": 2, "output": "manage takes a list of strings"}
    name, *args = argv
    if name not in settings.LAMBDA_MANAGE_COMMANDS:
        allowed = ", ".join(sorted(settings.LAMBDA_MANAGE_COMMANDS))
        return {"exit_status": 2, "output": f"command {name!r} is not allowed; allowed: {allowed}"}
    out = io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=out)
    except (CommandError, SystemExit) as exc:
        out.write(f"{exc}\n")
        return {"exit_status": 1, "output": out.getvalue()}
    except Exception as exc:
        logger.exception("management command %s failed", name)
        out.write(f"{type(exc).__name__}: {exc}\n")
        return {"exit_status": 1, "output": out.getvalue()}
    return {"exit_status": 0, "output": out.getvalue()}


class ManagementCommandFailed(Exception):
    """A management command run through a direct invocation exited nonzero."""


def run_manage_event(argv: Any) -> dict[str, Any]:
    """Run a `manage` event: its result on success, else log the output and raise."""
    result = run_management_command(argv)
    status = result["exit_status"]
    if status == 0:
        return result
    output = result["output"].strip()
    logger.error("operation: manage %s exited %s\n%s", argv, status, output)
    last = (output.splitlines() or ["no output"])[-1]
    raise ManagementCommandFailed(f"manage {argv!r} exited {status}: {last}")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = request_logging.lambda_request_id.set(getattr(context, "aws_request_id", ""))
    try:
        if "manage" in event:
            logger.info("operation: manage %s", event["manage"])
            return run_manage_event(event["manage"])
        if event.get("warmup") or event.get("detail-type") == "Scheduled Event":
            return {"warm": True}
        return apig_handler(event, context)
    finally:
        request_logging.lambda_request_id.reset(token)
