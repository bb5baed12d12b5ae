"""Numeric fields read what the schema says: ASCII digits, no exponent, no fraction on an
integer; anywhere a serializer uses them (ticket types, orders, venues, files, usage)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.tickets.models import Order, TicketType
from concert.api.fields import CharField, DecimalField, IntegerField, UUIDField
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory
from tests.tickets.factories import TicketTypeFactory

other_digit = st.characters(categories=["Nd"]).filter(lambda char: not char.isascii())
# ASCII digits with at least one digit of another script among them (Arabic-Indic, fullwidth).
foreign_number = st.tuples(st.text("0123456789", max_size=3), other_digit,
                           st.text("0123456789", max_size=3)).map("".join)
integer = IntegerField(min_value=-(10**12), max_value=10**12)
price = DecimalField(max_digits=10, decimal_places=2)


@given(value=foreign_number)
def test_digits_of_other_scripts_are_no_number(value):
    for field in (integer, price):
        with pytest.raises(ValidationError):
            field.run_validation(value)


@given(value=st.integers(-(10**12), 10**12))
def test_integers_read_as_json_numbers_or_ascii_digits(value):
    assert integer.run_validation(value) == integer.run_validation(str(value)) == value


@pytest.mark.parametrize("value", ["1.0", 1.0, "1e2", 1e2, True, "+1", " 1", "0x1", "1_0"])
def test_an_integer_has_no_fraction_exponent_or_sign_of_plus(value):
    with pytest.raises(ValidationError):
        integer.run_validation(value)


@pytest.mark.parametrize("value", ["1e2", "1E2", 1e20, "NaN", "Infinity", "-", ""])
def test_a_decimal_has_no_exponent_and_is_a_number(value):
    with pytest.raises(ValidationError):
        price.run_validation(value)


@pytest.mark.parametrize(("value", "read"), [("10.00", "10.00"), ("0.5", "0.50"), (80, "80.00"),
                                             (80.5, "80.50"), ("-3", "-3.00")])
def test_decimals_in_the_schemas_pattern_are_read(value, read):
    assert str(price.run_validation(value)) == read


# Zero as a client may write it: a minus or none, leading zeros, a point with up to two
# zeros after it, as text or as a JSON number.
written_zero = st.one_of(
    st.builds(lambda sign, whole, fraction: f"{sign}{whole}{fraction}",
              st.sampled_from(["", "-"]), st.text("0", min_size=1, max_size=4),
              st.sampled_from(["", ".", ".0", ".00"])),
    st.builds(lambda sign, fraction: f"{sign}.{fraction}",
              st.sampled_from(["", "-"]), st.text("0", min_size=1, max_size=2)),
    st.sampled_from([0, -0.0, 0.0]),
)


@given(value=written_zero)
def test_a_zero_with_a_minus_reads_as_zero(value):
    read = price.run_validation(value)
    assert (str(read), read.is_signed()) == ("0.00", False)


@given(value=st.decimals(min_value=-(10**8) + 1, max_value=10**8 - 1, places=2,
                         allow_nan=False, allow_infinity=False))
def test_a_decimal_reads_as_its_value_signed_only_below_zero(value):
    read = price.run_validation(str(value))
    assert read == value
    assert read.is_signed() == (value < 0)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-0", "-0.00", "-.0", "-000.0", -0.0])
def test_a_price_of_minus_zero_is_free_in_the_answer_the_row_and_later_reads(value):
    event = EventFactory()
    client = APIClient()
    client.force_authenticate(event.organizer)
    url = f"/api/v1/events/{event.pk}/ticket-types"
    body = {"name": "Guest list", "price": value, "currency": "EUR", "capacity": 50,
            "sales_start": "2020-01-01T00:00:00Z", "sales_end": event.starts_at.isoformat()}

    created = client.post(url, body, format="json")
    changed = client.patch(f"{url}/{created.json()['id']}", {"price": "5.00"}, format="json")
    back = client.patch(f"{url}/{created.json()['id']}", {"price": value}, format="json")

    assert (created.status_code, created.json()["price"]) == (201, "0.00")
    assert (changed.status_code, back.status_code, back.json()["price"]) == (200, 200, "0.00")
    stored = TicketType.objects.get().price
    assert (str(stored), stored.is_signed()) == ("0.00", False)
    assert client.get(url).json()["results"][0]["price"] == "0.00"
    assert client.get(f"/api/v1/events/{event.pk}").json()["tickets"]["price_from"] == "0.00"


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [
    ("price", "\uff11\uff10.\uff10\uff10"), ("price", "1e2"), ("capacity", "\uff15"),
    ("capacity", "5.0"), ("max_per_order", "\u0662"),
])
def test_ticket_type_numbers_outside_the_schema_are_a_400(field, value):
    event = EventFactory()
    client = APIClient()
    client.force_authenticate(event.organizer)
    body = {"name": "Front row", "price": "80.00", "currency": "EUR", "capacity": 50,
            "sales_start": "2020-01-01T00:00:00Z", "sales_end": event.starts_at.isoformat(),
            field: value}

    response = client.post(f"/api/v1/events/{event.pk}/ticket-types", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == [field]
    assert not TicketType.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "quantity"), [
    ("id", "\u0662"), ("id", "1.0"), ("id", 1.0), ("\uff11", 1)])
def test_order_numbers_outside_the_schema_are_a_400(event, quantity):
    ticket_type = TicketTypeFactory()
    client = APIClient()
    client.force_authenticate(UserFactory())
    event_id = ticket_type.event_id if event == "id" else event
    body = {"event": event_id, "items": [{"ticket_type": ticket_type.pk, "quantity": quantity}]}

    response = client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Order.objects.exists()


@given(value=st.one_of(st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
                       st.lists(st.text(max_size=3), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)))
def test_text_fields_take_json_strings_only(value):
    """A number where text belongs is a client's bug: DRF would store its text (1e309 as
    "inf"), this field names it. None stays DRF's "may not be null"."""
    with pytest.raises(ValidationError):
        CharField().run_validation(value)


@pytest.mark.parametrize("value", [123, 0, True, 1.5, ["7b"], {"int": 123}])
def test_a_uuid_is_a_json_string(value):
    """DRF reads the integer 123 as the UUID 00000000-...-00000000007b."""
    with pytest.raises(ValidationError):
        UUIDField().run_validation(value)
    text = "0e2a1bd4-5c1b-4e57-9b0e-3c1f5f5a6d7e"
    assert str(UUIDField().run_validation(text)) == text


@pytest.mark.django_db
def test_a_number_for_a_title_is_a_400(api_client):
    api_client.force_authenticate(UserFactory(organizer=True))
    response = api_client.post("/api/v1/artists", b'{"name": 1e309}',
                               content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["name"]
