"""Serializer fields as strict as the schema: text is a JSON string; numbers are ASCII
digits, no exponent, no fraction on an integer.

DRF's CharField takes a JSON number and stores its text (a title of 1e309 became "inf"), and
its UUIDField reads a JSON integer as the UUID of that number (123 named upload
00000000-0000-0000-0000-00000000007b).

DRF's own fields read more than the schema says: `int()` takes fullwidth and Arabic-Indic
digits, IntegerField drops a zero fraction ("1.0", 1.0), and DecimalField takes fullwidth
digits and exponents ("1e2"). A client sending those has a bug the service should name, not
guess around.

A decimal zero written with a minus ("-0", "-0.00") is zero: read as 0.00, so the answer,
the stored value and later reads all say "0.00" (Decimal keeps the sign, and would echo
"-0.00" back).
"""

from __future__ import annotations

import re

from rest_framework import serializers

INTEGER = re.compile(r"-?[0-9]+")
DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
LONGEST = 40  # past every integer width the service stores, and short of a costly int()


def integer_or_none(value) -> int | None:
    """`value` as an int when it is one (a JSON integer or its ASCII digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and len(value) <= LONGEST and INTEGER.fullmatch(value):
        return int(value)
    return None


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        number = integer_or_none(data)
        if number is None:
            self.fail("invalid")
        return super().to_internal_value(number)


class DecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        text = str(data)  # a JSON 80.5 reads as "80.5"; 1e20 as "1e+20", refused
        if len(text) > LONGEST or not DECIMAL.fullmatch(text):
            self.fail("invalid")
        number = super().to_internal_value(text)
        return number.copy_abs() if number.is_zero() else number


class CharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class UUIDField(serializers.UUIDField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
