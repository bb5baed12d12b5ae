"""A Python client generated from the schema by openapi-python-client walks the main journey
against the running service (a real WSGI server on loopback): list events, create a venue,
an event and a ticket type, publish, buy with an Idempotency-Key, list orders, fetch the QR.

The client is generated into a temporary folder; nothing generated is kept."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts.dev_issuer import dev_token_mint

VENV_BIN = Path(sys.executable).parent
GENERATOR = VENV_BIN / "openapi-python-client"
# The generator reads binary bodies as application/octet-stream only: the QR codes' image
# types are mapped to it (a setting of the generated client, not of the API).
CONFIG = {"content_type_overrides": {"image/png": "application/octet-stream",
                                     "image/svg+xml": "application/octet-stream"}}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not GENERATOR.exists(), reason="openapi-python-client not installed"),
]


@pytest.fixture
def concert_client(live_server, tmp_path, settings, tmp_path_factory):
    """The generated package, imported from a temporary folder."""
    request = urllib.request.Request(f"{live_server.url}/api/schema",
                                     headers={"Accept": "application/vnd.oai.openapi+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        (tmp_path / "openapi.json").write_bytes(response.read())
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    generated = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(tmp_path / "openapi.json"), "--meta", "none",
         "--config", str(tmp_path / "config.json"),
         "--output-path", str(tmp_path / "concert_client")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout, generated.stdout  # every operation generated
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("concert_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.split(".")[0] == "concert_client"]:
            del sys.modules[name]


def test_generated_client_walks_the_main_journey(live_server, concert_client, settings,
                                                  tmp_path_factory):
    settings.JWT_DEV_ISSUER = True
    settings.JWT_DEV_KEY_DIR = tmp_path_factory.mktemp("dev-jwt")
    c = concert_client
    models = importlib.import_module("concert_client.models")

    def op(tag: str, operation_id: str):
        return importlib.import_module(f"concert_client.api.{tag}.{operation_id}")

    def as_(email: str, *groups: str):
        token = dev_token_mint(email=email, groups=list(groups))
        return c.AuthenticatedClient(base_url=live_server.url, token=token,
                                     raise_on_unexpected_status=True)

    anonymous = c.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    organizer = as_("promoter@example.com", "organizer")
    fan = as_("fan@example.com")
    now = timezone.now()

    listing = op("events", "events_list").sync(client=anonymous)
    assert listing.count == 0

    venue = op("venues", "venues_create").sync(
        client=organizer, body=models.VenueWriteRequest(
            name="Roundhouse", city="London", country="GB", capacity=3300,
            timezone="Europe/London"),
    )
    event = op("events", "events_create").sync(
        client=organizer, body=models.EventWriteRequest(
            title="Folk on the Hill", venue=venue.slug, starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=4)),
    )
    assert (event.status, event.tickets) == ("draft", None)
    standing = op("events", "ticket_types_create").sync(
        event.slug, client=organizer, body=models.TicketTypeWriteRequest(
            name="Standing", price="35.00", currency="GBP", capacity=100,
            sales_start=now - timedelta(hours=1), sales_end=event.starts_at, max_per_buyer=4),
    )
    published = op("events", "events_publish").sync(event.slug, client=organizer)
    assert published.status == "published"

    public = op("events", "ticket_types_list").sync(event.slug, client=anonymous)
    assert [(t.name, t.price, t.availability, t.capacity) for t in public.results] == [
        ("Standing", "35.00", "on_sale", None)
    ]
    shown = op("events", "events_list").sync(client=anonymous).results
    assert [(e.slug, e.tickets.price_from, e.tickets.currency) for e in shown] == [
        (event.slug, "35.00", "GBP")
    ]

    buy = op("orders", "orders_create")
    body = models.OrderCreateRequest(
        event=event.id, items=[models.OrderItemInputRequest(ticket_type=standing.id, quantity=2)]
    )
    first = buy.sync_detailed(client=fan, body=body, idempotency_key="journey-1")
    again = buy.sync_detailed(client=fan, body=body, idempotency_key="journey-1")
    assert (first.status_code, again.status_code) == (201, 201)
    order = first.parsed
    assert (order.status, order.total, len(order.tickets)) == ("confirmed", "70.00", 2)
    assert again.parsed.id == order.id  # the retry bought nothing more

    orders = op("orders", "orders_list").sync(client=fan)
    assert [o.id for o in orders.results] == [order.id]
    qr = op("tickets", "tickets_qr_png").sync_detailed(
        order.tickets[0].id, client=fan)
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")
