"""One rule for addresses: `/` is an index, paths have no trailing slash (a request with
one is redirected with its method kept), every event path takes an id or a slug."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory
from tests.tickets.factories import TicketTypeFactory

pytestmark = pytest.mark.django_db


def test_the_root_is_a_json_index(client):
    response = client.get("/", HTTP_HOST="api.example.com")

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response.json() == {
        "name": "Concert API",
        "docs": "http://api.example.com/api/docs",
        "schema": "http://api.example.com/api/schema",
        "health": {"live": "http://api.example.com/health/live",
                   "ready": "http://api.example.com/health/ready"},
        "api": "http://api.example.com/api/v1",
        "partner_api": "http://api.example.com/partner/v1",
        "events": "http://api.example.com/api/v1/events",
    }
    for link in ("docs", "schema", "events"):
        assert client.get(response.json()[link]).status_code == 200


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_a_trailing_slash_is_redirected_with_the_method_kept(client, method):
    response = getattr(client, method)("/api/v1/events/?city=berlin&page=2")

    assert response.status_code == 308  # 308, unlike 301/302, keeps method and body
    assert response["Location"] == "/api/v1/events?city=berlin&page=2"


def test_unknown_paths_with_a_slash_are_a_plain_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert client.get("/admin/").status_code == 302  # the admin keeps Django's slashes


def test_a_client_following_redirects_buys_through_a_slashed_path():
    ticket_type = TicketTypeFactory()
    buyer = APIClient()
    buyer.force_authenticate(UserFactory())
    body = {"event": ticket_type.event_id,
            "items": [{"ticket_type": ticket_type.pk, "quantity": 1}]}

    response = buyer.post("/api/v1/orders/", body, format="json", follow=True,
                          HTTP_IDEMPOTENCY_KEY="slash-1")

    assert response.redirect_chain == [("/api/v1/orders", 308)]
    assert response.status_code == 201


def test_every_event_path_takes_an_id_or_a_slug():
    ticket_type = TicketTypeFactory(event=EventFactory(slug="owls-live"))
    event = ticket_type.event
    organizer = APIClient()
    organizer.force_authenticate(event.organizer)

    for ref in (str(event.pk), "owls-live"):
        for tail in ("", "/lineup", "/pictures", "/ticket-types",
                     f"/ticket-types/{ticket_type.pk}", "/sales"):
            assert organizer.get(f"/api/v1/events/{ref}{tail}").status_code == 200, tail
        scan = organizer.post(f"/api/v1/events/{ref}/check-in", {"code": "unknown"},
                              format="json")
        assert scan.json()["error"]["code"] == "ticket_not_found"


def test_the_admin_is_branded_for_operators_and_view_site_opens_the_docs(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "Concert operations" in page and "Django administration" not in page
    assert 'href="/api/docs"' in page
