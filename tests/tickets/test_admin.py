"""Admin: the cancel action goes through the service; sales per event in the changelist."""

from decimal import Decimal

import pytest
from django.test import Client

from apps.tickets.models import Order
from tests.accounts.factories import UserFactory
from tests.tickets.factories import TicketTypeFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_cancel_action_releases_the_seats(admin_client):
    ticket_type = TicketTypeFactory(capacity=4)
    orders = [make_order(ticket_type=ticket_type, quantity=2) for _ in range(2)]

    response = admin_client.post("/admin/tickets/order/", {
        "action": "cancel_orders", "_selected_action": [orders[0].pk],
    }, follow=True)

    assert response.status_code == 200
    assert "Cancelled 1 order(s)." in response.content.decode()
    assert dict(Order.objects.values_list("pk", "status")) == {
        orders[0].pk: "cancelled", orders[1].pk: "confirmed"
    }
    ticket_type.refresh_from_db()
    assert ticket_type.sold == 2
    detail = admin_client.get(f"/admin/tickets/order/{orders[0].pk}/change/")
    assert detail.status_code == 200
    assert orders[0].tickets.first().code in detail.content.decode()


def test_sales_per_event_changelist(admin_client):
    standing = TicketTypeFactory(capacity=100, price=Decimal("25.00"))
    TicketTypeFactory(event=standing.event, capacity=20, price=Decimal("60.00"))
    make_order(ticket_type=standing, quantity=3)

    response = admin_client.get("/admin/tickets/eventsales/")

    row = response.content.decode()
    assert response.status_code == 200
    assert standing.event.title in row
    assert '<td class="field-tickets_sold">3</td>' in row
    assert '<td class="field-tickets_capacity">120</td>' in row
    assert '<td class="field-revenue_display">75.00 EUR</td>' in row
    per_type = admin_client.get(f"/admin/tickets/tickettype/?event__id__exact={standing.event_id}")
    assert per_type.status_code == 200
    assert standing.name in per_type.content.decode()
