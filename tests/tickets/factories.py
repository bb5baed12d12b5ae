"""factory_boy factories for ticket types and orders (orders go through the service)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.tickets.models import TicketType
from apps.tickets.services import OrderLine, order_create
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Standing {n}")
    price = Decimal("25.00")
    currency = "EUR"
    capacity = 100
    sales_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    sales_end = factory.LazyAttribute(lambda t: t.event.starts_at)
    max_per_order = 10


def make_order(*, buyer=None, ticket_type=None, quantity: int = 1, key: str | None = None):
    """A confirmed order bought through the service, as a buyer would."""
    buyer = buyer or UserFactory()
    ticket_type = ticket_type or TicketTypeFactory()
    order, _ = order_create(
        buyer=buyer, event_id=ticket_type.event_id,
        lines=[OrderLine(ticket_type.pk, quantity)], idempotency_key=key,
    )
    return order
