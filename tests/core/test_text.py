"""The one text rule: by Unicode category, in the validator and in every field that uses it."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.core.text import validate_file_name, validate_line, validate_text
from apps.events.models import Artist, Event, Venue
from apps.licensing.models import LicenseKey
from apps.tickets.models import TicketType
from tests.accounts.factories import UserFactory
from tests.events.factories import ArtistFactory, EventFactory, VenueFactory

REFUSED = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")
KEPT = ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps",
        "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs")
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]
MULTI_LINE_CONTROLS = "\t\n\r"

# Unassigned code points in the emoji blocks are kept (emoji newer than this Python's
# Unicode tables), so they are not generated as refused.
refused_char = st.one_of(st.characters(categories=REFUSED), st.sampled_from(NONCHARACTERS),
                         st.characters(categories=["Cn"]).filter(
                             lambda char: not 0x1F000 <= ord(char) < 0x1FB00))
refused_in_text = refused_char.filter(lambda char: char not in MULTI_LINE_CONTROLS)
# What a JSON request can carry to a field (no lone surrogate in UTF-8; NUL has its own 400).
api_refused = refused_in_text.filter(
    lambda char: char != "\x00" and not 0xD800 <= ord(char) < 0xE000)
kept_text = st.text(st.characters(categories=KEPT), max_size=30)


def joins_an_emoji(before: str, char: str, after: str) -> bool:
    """A zero-width joiner between two symbols joins an emoji sequence: kept (tested below)."""
    return (char == "\u200d" and bool(before) and bool(after)
            and unicodedata.category(before[-1]) in ("So", "Sk")
            and unicodedata.category(after[0]) == "So")

# Found by an attack on the service: each was stored before the rule.
REPORTED = ["\x01", "\x7f", "\x85", "\u202e", "\u200b", "\u2028", "\uffff"]
# README: file names refuse these too.
FILE_NAME_REFUSED = [*REPORTED, "\u2029", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
                                "\u180e", "\U000e0041", "\ufffe"]
EMOJI_SEQUENCES = ["\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family
                   "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
                   "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # woman technologist, skin tone
                   "\u2764\ufe0f\u200d\U0001f525"]  # heart on fire


@given(before=kept_text, char=refused_char, after=kept_text)
@example(before="a", char="\x85", after="b")
def test_a_refused_character_anywhere_fails_a_line(before, char, after):
    assume(not joins_an_emoji(before, char, after))
    with pytest.raises(ValidationError) as raised:
        validate_line(before + char + after)
    assert f"U+{ord(char):04X}" in raised.value.messages[0]


@given(before=kept_text, char=refused_in_text, after=kept_text)
def test_multi_line_text_refuses_the_same_but_tab_and_line_breaks(before, char, after):
    assume(not joins_an_emoji(before, char, after))
    with pytest.raises(ValidationError):
        validate_text(before + char + after)
    validate_text(before + "\r\n\t" + after)


@given(value=kept_text)
def test_letters_marks_numbers_punctuation_symbols_and_spaces_are_kept(value):
    validate_line(value)
    validate_text(value)


@pytest.mark.parametrize("sequence", EMOJI_SEQUENCES)
def test_emoji_joiner_sequences_are_kept_in_text_but_not_in_file_names(sequence):
    validate_line(f"Ana {sequence}")
    validate_text(sequence)
    with pytest.raises(ValidationError):
        validate_file_name(f"{sequence}.png")


@pytest.mark.parametrize("value", ["a\u200db", "\u200d\U0001f308", "\U0001f308\u200d",
                                   "\U0001f3f3\u200d\u200d\U0001f308"])
def test_a_joiner_outside_an_emoji_sequence_is_refused(value):
    with pytest.raises(ValidationError):
        validate_line(value)


@pytest.mark.parametrize("char", FILE_NAME_REFUSED)
def test_file_names_refuse_what_the_readme_lists(char):
    with pytest.raises(ValidationError):
        validate_file_name(f"invoice{char}.pdf")


# The API: every public text field, 400 in the envelope naming the field, nothing stored.

def venue_request(organizer):
    return "post", "/api/v1/venues", {"name": "Hall", "city": "Lisbon", "country": "PT",
                                      "capacity": 100}, Venue


def artist_request(organizer):
    return "post", "/api/v1/artists", {"name": "Owls", "genre": "indie"}, Artist


def event_request(organizer):
    venue = VenueFactory()
    return "post", "/api/v1/events", {
        "title": "Owls live", "venue": venue.slug, "starts_at": "2031-07-04T19:00:00Z",
        "ends_at": "2031-07-04T23:00:00Z"}, Event


def ticket_type_request(organizer):
    event = EventFactory(organizer=organizer)
    return "post", f"/api/v1/events/{event.pk}/ticket-types", {
        "name": "Front row", "price": "80.00", "currency": "EUR", "capacity": 50,
        "sales_start": "2020-01-01T00:00:00Z", "sales_end": event.starts_at.isoformat(),
        "max_per_order": 4}, TicketType


def license_key_request(organizer):
    return "post", "/api/v1/license-keys", {"name": "Shop", "scopes": ["events:read"]}, \
        LicenseKey


FIELDS = [
    (venue_request, "name"), (venue_request, "city"),
    (venue_request, "address"), (artist_request, "name"),
    (artist_request, "genre"), (artist_request, "bio"),
    (event_request, "title"), (event_request, "description"),
    (ticket_type_request, "name"), (ticket_type_request, "description"),
    (license_key_request, "name"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("make_request", "field"), FIELDS)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(char=api_refused)
def test_every_public_text_field_refuses_invisible_characters(make_request, field, char):
    client = APIClient()
    client.force_authenticate(organizer := UserFactory(organizer=True))
    method, url, body, model = make_request(organizer)
    before = model.objects.count()

    response = getattr(client, method)(
        url, {**body, field: f"a{char}b"}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["details"]) == [field]
    assert model.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["display_name", "bio"])
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(char=api_refused)
def test_profile_text_refuses_invisible_characters(field, char):
    user = UserFactory(display_name="Ana", bio="")
    client = APIClient()
    client.force_authenticate(user)

    response = client.patch("/api/v1/me", {field: f"a{char}b"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == [field]
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Ana", "")


@pytest.mark.django_db
def test_the_admin_forms_share_the_rule():
    artist = ArtistFactory()
    artist.name = "Owls\u202e"
    with pytest.raises(ValidationError) as raised:
        artist.full_clean()
    assert list(raised.value.message_dict) == ["name"]
