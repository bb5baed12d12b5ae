"""Venue rules: the model's validators (so the admin) agree with what the API accepts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.events.serializers import VenueWriteSerializer
from apps.events.validators import (
    country_code_clean,
    validate_country_code,
    validate_timezone_name,
)
from tests.events.factories import VenueFactory

COUNTRIES = ["DE", "de", "dE", "D1", "1", "D", "DEU", "d\u0131", "\u00e4\u00f6", " "]
TIMEZONES = ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "europe/berlin",
             "Mars/Olympus", "Europe", "Europe/", "/etc/localtime", "../etc/passwd",
             "zone.tab"]


def api_accepts(field: str, value: str):
    data = {"name": "Halle", "city": "Leipzig", "country": "DE", "capacity": 10, field: value}
    serializer = VenueWriteSerializer(data=data)
    return serializer.validated_data[field] if serializer.is_valid() else None


def cleaned(clean, value: str):
    try:
        return clean(value)
    except ValidationError:
        return None


@pytest.mark.parametrize("value", COUNTRIES)
def test_country_rule_is_the_apis(value):
    assert cleaned(country_code_clean, value) == api_accepts("country", value)


@pytest.mark.parametrize("value", TIMEZONES)
def test_timezone_rule_is_the_apis(value):
    def check(name: str) -> str:
        validate_timezone_name(name)
        return name

    assert cleaned(check, value) == api_accepts("timezone", value)


def test_stored_country_codes_are_upper_case():
    validate_country_code("DE")
    with pytest.raises(ValidationError):
        validate_country_code("de")


@pytest.mark.django_db
def test_the_model_validates_country_and_timezone():
    venue = VenueFactory.build(country="de", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as caught:
        venue.full_clean(exclude=["slug"])
    assert caught.value.message_dict == {
        "country": ["Use the ISO 3166-1 two-letter code."],
        "timezone": ["Unknown time zone; use an IANA name."],
    }
