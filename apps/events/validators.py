"""Catalogue field rules shared by the models (so the admin) and the API: slug, country, zone."""

from __future__ import annotations

import re
import zoneinfo

from django.core.exceptions import ValidationError

COUNTRY_CODE_PATTERN = re.compile(r"[A-Z]{2}")


def validate_country_code(value: str) -> None:
    """A country as stored: an ISO 3166-1 alpha-2 code in upper case, e.g. DE."""
    if not isinstance(value, str) or not COUNTRY_CODE_PATTERN.fullmatch(value):
        raise ValidationError("Use the ISO 3166-1 two-letter code.", code="invalid_country")


def country_code_clean(value: str) -> str:
    """A country code as typed (`de`, `DE`) in its stored form; ValidationError otherwise."""
    # Only ASCII is upper-cased: a dotless i upper-cases to "I", yet is no letter of a code.
    code = value.upper() if value.isascii() else value
    validate_country_code(code)
    return code


def validate_timezone_name(value: str) -> None:
    """A time zone as stored: an IANA name known to this system, e.g. Europe/Berlin."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: not a relative key, or a file of the database that is not a zone.
        raise ValidationError(
            "Unknown time zone; use an IANA name.", code="invalid_timezone"
        ) from None


def slug_reads_as_id(value: str) -> bool:
    """`/events/{slug-or-id}` reads a reference made only of ASCII digits as an id (other
    digits, such as ² or ٣, are no id: they make a slug that matches nothing)."""
    return value.isascii() and value.isdigit()


def validate_slug(value: str) -> None:
    """A slug the API can find: not made only of digits."""
    if slug_reads_as_id(value):
        raise ValidationError("A slug needs a letter or a hyphen: one made only of digits "
                              "would read as an id.", code="slug_all_digits")
