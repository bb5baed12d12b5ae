"""Every operation of the service's own OpenAPI schema, fuzzed by schemathesis as each caller.

Each generated request is sent through the WSGI application as an anonymous caller, a fan, an
organizer, staff and a partner license key; requests with path parameters are sent a second
time aimed at real objects (the organizer's event, the fan's order and file, the partner's
key), so answers past the lookups (successes, conflicts, validation) are checked too. No
answer may be a 5xx, and every answer, errors included, must be documented: its status code,
content type and body schema. OPENAPI_EXAMPLES bounds the examples per operation.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.dev_issuer import dev_token_mint
from apps.accounts.services import user_sync_from_claims
from apps.licensing.authentication import HEADER as LICENSE_KEY_HEADER
from apps.licensing.models import Scope
from apps.licensing.services import license_key_create
from concert.wsgi import application
from tests.events.factories import EventFactory, EventPictureFactory, PerformanceFactory
from tests.files.factories import FileFactory
from tests.tickets.factories import TicketTypeFactory, make_order

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(autouse=True)
def _connections_stay_open():
    """Requests go straight to the WSGI app, not through Django's test client, which would
    keep request signals from closing the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


ROLES = {"fan": [], "organizer": ["organizer"], "staff": ["staff"]}


@pytest.fixture
def world() -> tuple[dict[str, dict[str, str]], dict[str, object]]:
    """Request headers of each caller, and path parameters naming objects they own."""
    headers, users = {"anonymous": {}}, {}
    for role, groups in ROLES.items():
        claims = {"sub": f"sub-{role}", "email": f"{role}@example.com", "cognito:groups": groups}
        users[role] = user_sync_from_claims(claims=claims)
        token = dev_token_mint(email=claims["email"], groups=groups, sub=claims["sub"])
        headers[role] = {"Authorization": f"Bearer {token}"}
    partner = get_user_model().objects.create_user(username="partner", email="p@example.com")
    key, raw_key = license_key_create(owner=partner, name="conformance", scopes=Scope.values)
    headers["partner key"] = {LICENSE_KEY_HEADER: raw_key}

    event = EventFactory(organizer=users["organizer"], draft=True)
    performance = PerformanceFactory(event=event)
    picture = EventPictureFactory(event=event)
    ticket_type = TicketTypeFactory(event=EventFactory(organizer=users["organizer"]))
    order = make_order(buyer=users["fan"], ticket_type=ticket_type)
    file = FileFactory(owner=users["fan"], uploaded=True)
    params = {
        "ref": event.slug, "event_id": ticket_type.event_id, "ticket_type_id": ticket_type.pk,
        "performance_id": performance.pk, "picture_id": picture.pk, "order_id": order.pk,
        "file_id": file.pk, "key_id": key.pk,
    }
    return headers, {name: str(value) for name, value in params.items()}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("OPENAPI_EXAMPLES", "15")),
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_for_every_caller(case, world):
    headers_of, real_params = world
    generated = dict(case.path_parameters or {})
    targets = [generated]
    if generated:
        targets.append({name: real_params.get(name, value) for name, value in generated.items()})
    for path_parameters in targets:
        case.path_parameters = path_parameters
        for caller, headers in headers_of.items():
            response = case.call(headers={**(case.headers or {}), **headers})
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:
                exc.add_note(f"caller: {caller}, path parameters: {path_parameters}")
                raise
