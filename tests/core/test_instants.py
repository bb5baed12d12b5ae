"""Instants in errors are written as the API's bodies write datetimes."""

from datetime import UTC, timedelta

from hypothesis import given
from hypothesis import strategies as st
from rest_framework.fields import DateTimeField

from apps.core.instants import iso_utc

aware = st.datetimes(timezones=st.timezones()).filter(
    # astimezone(UTC) must stay inside the calendar years 1 to 9999
    lambda value: value.utcoffset() is not None
    and value.replace(tzinfo=None) - value.utcoffset() > value.min + timedelta(days=1)
    and value.replace(tzinfo=None) - value.utcoffset() < value.max - timedelta(days=1)
)


@given(aware)
def test_an_instant_in_an_error_reads_as_it_does_in_a_body(value):
    assert iso_utc(value) == DateTimeField().to_representation(value)
    assert iso_utc(value).endswith("Z")
    assert iso_utc(value.astimezone(UTC)) == iso_utc(value)
