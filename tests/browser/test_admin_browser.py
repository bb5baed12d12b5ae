"""The operators' admin in a real Chromium: log in, add a venue and an event with a picture,
publish it, and find it, picture included, through the public API."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from PIL import Image
from rest_framework.fields import DateTimeField

from tests.accounts.factories import UserFactory
from tests.conftest import REQUIRE_SERVICES

try:
    from playwright.sync_api import expect
except ImportError:
    if REQUIRE_SERVICES:
        raise
    pytest.skip("Playwright is not installed: pip install -e '.[dev]'", allow_module_level=True)

pytestmark = pytest.mark.browser

ANA_SUB = "7d0f5a61-3c2b-4f0e-8a55-2b9e6c1d4f80"
POSTER_COLOR = (30, 90, 200)
POSTER_SIZE = (640, 480)


@pytest.fixture
def operator(transactional_db):
    """An operator made the way production makes one: operator_create and its printed password."""
    out = io.StringIO()
    call_command("operator_create", "--username", "ops", "--email", "ops@example.com", stdout=out)
    password = out.getvalue().rsplit("one-time password: ", 1)[1].strip()
    return {"username": "ops", "password": password}


@pytest.fixture
def organizer(transactional_db):
    """A Cognito organizer the event will belong to."""
    return UserFactory(username="ana", email="ana@example.com", cognito_sub=ANA_SUB,
                       display_name="Ana Organizer", organizer=True)


@pytest.fixture
def fan(transactional_db):
    """A fan the organizer lookup must not offer."""
    return UserFactory(username="ana-fan", email="ana.fan@example.com")


@pytest.fixture
def poster(tmp_path):
    path = tmp_path / "poster.png"
    Image.new("RGB", POSTER_SIZE, POSTER_COLOR).save(path, format="PNG")
    return path


def iso(value: datetime) -> str:
    return DateTimeField().to_representation(value)


def saved_id(page, model: str) -> int:
    page.wait_for_url(re.compile(rf"/admin/events/{model}/\d+/change/$"))
    return int(re.search(rf"/{model}/(\d+)/change/", page.url).group(1))


def decoded(response) -> Image.Image:
    assert response.status == 200, response.url
    return Image.open(io.BytesIO(response.body()))


# The ORM fixtures come before `page`: once Playwright runs, Django refuses ORM calls here.
def test_operator_publishes_an_event_the_public_api_then_shows(
    operator, organizer, fan, poster, page, http
):
    day = (datetime.now(UTC) + timedelta(days=30)).date()
    starts_at = datetime(day.year, day.month, day.day, 20, tzinfo=UTC)
    ends_at = starts_at + timedelta(hours=3)

    # Log in through Django's own form.
    page.goto("/admin/")
    page.fill("#id_username", operator["username"])
    page.fill("#id_password", operator["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Catalogue, box office, partners and usage")
           ).to_be_visible()

    # A venue: the slug is filled in by the admin's own JavaScript from name and city; the
    # country is stored upper case, as the API stores it.
    page.goto("/admin/events/venue/add/")
    page.fill("#id_name", "Halle Browser")
    page.fill("#id_city", "Leipzig")
    page.fill("#id_address", "Am Kanal 1")
    page.fill("#id_country", "de")
    page.fill("#id_timezone", "Europe/Berlin")
    page.fill("#id_capacity", "1200")
    expect(page.locator("#id_slug")).to_have_value("halle-browser-leipzig")
    page.get_by_role("button", name="Save and continue editing").click()
    venue_id = saved_id(page, "venue")

    # An event with a poster: organizer picked in the raw-id lookup popup (which lists only
    # users who may organize), venue through the autocomplete, poster in the file input.
    page.goto("/admin/events/event/add/")
    page.fill("#id_title", "Night of Browsers")
    page.fill("#id_description", "Headless, but loud.")
    expect(page.locator("#id_slug")).to_have_value("night-of-browsers")
    with page.expect_popup() as lookup:
        page.click("#lookup_id_organizer")
    users = lookup.value
    users.fill("#searchbar", "ana")
    users.press("#searchbar", "Enter")
    expect(users.locator("#result_list tbody tr")).to_have_count(1)
    with users.expect_event("close"):
        users.get_by_role("link", name="ana", exact=True).click()
    expect(page.locator("#id_organizer")).to_have_value(str(organizer.pk))
    page.click(".field-venue .select2-selection")
    page.fill(".select2-search__field", "Halle")
    page.click(".select2-results__option >> text=Halle Browser (Leipzig)")
    page.fill("#id_starts_at_0", starts_at.date().isoformat())
    page.fill("#id_starts_at_1", "20:00:00")
    page.fill("#id_ends_at_0", ends_at.date().isoformat())
    page.fill("#id_ends_at_1", "23:00:00")
    page.set_input_files("#id_new_picture", poster)
    page.get_by_role("button", name="Save and continue editing").click()
    event_id = saved_id(page, "event")
    expect(page.locator(".field-status .readonly")).to_have_text("Draft")

    # The poster was validated and re-encoded by the API's own service: the change page
    # shows it in the gallery, and the browser loads its thumbnail.
    thumbnail = page.locator(".field-preview img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute(
        "src", re.compile(rf"^/media/events/{event_id}/[0-9a-f]{{32}}\.thumb\.png$")
    )
    expect(thumbnail).to_have_js_property("naturalWidth", 320)
    thumbnail_src = thumbnail.get_attribute("src")

    # Still a draft: anonymous readers see nothing, and this empty page is now cached.
    listing = http.get("/api/v1/events")
    assert listing.status == 200
    assert listing.headers["cache-control"].startswith("public")
    assert listing.json() == {"count": 0, "next": None, "previous": None, "results": []}
    hidden = http.get("/api/v1/events/night-of-browsers")
    assert hidden.status == 404
    assert hidden.json()["error"]["code"] == "not_found"

    # Publish with the changelist's action, as an operator would.
    page.goto("/admin/events/event/")
    page.check(f"input.action-select[value='{event_id}']")
    page.select_option("select[name=action]", "publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("Published 1 event(s).")
    row = page.locator(f"#result_list tr:has(input[value='{event_id}'])")
    expect(row.locator(".field-status")).to_have_text("Published")

    # The public API shows it at once: publishing retired the cached page.
    listing = http.get("/api/v1/events")
    assert listing.status == 200
    body = listing.json()
    assert body["count"] == 1
    event = body["results"][0]
    assert http.get("/api/v1/events/night-of-browsers").json() == event
    assert {k: event[k] for k in ("id", "slug", "title", "description", "status",
                                  "starts_at", "ends_at", "cancelled_at")} == {
        "id": event_id,
        "slug": "night-of-browsers",
        "title": "Night of Browsers",
        "description": "Headless, but loud.",
        "status": "published",
        "starts_at": iso(starts_at),
        "ends_at": iso(ends_at),
        "cancelled_at": None,
    }
    assert event["published_at"] is not None
    assert event["venue"] == {"id": venue_id, "slug": "halle-browser-leipzig",
                              "name": "Halle Browser", "city": "Leipzig", "country": "DE",
                              "timezone": "Europe/Berlin"}
    assert event["organizer"] == {"id": organizer.pk, "display_name": "Ana Organizer"}
    assert event["lineup"] == []
    [picture] = event["pictures"]
    assert picture["thumbnail_url"] == thumbnail_src
    assert re.fullmatch(rf"/media/events/{event_id}/[0-9a-f]{{32}}\.png", picture["url"])
    assert (picture["width"], picture["height"], picture["content_type"], picture["position"]) == (
        *POSTER_SIZE, "image/png", 0
    )

    # The picture URL serves the stored bytes: the poster, re-encoded pixel for pixel.
    served = http.get(picture["url"])
    assert served.headers["content-type"] == "image/png"
    image = decoded(served)
    assert (image.format, image.size, image.getpixel((0, 0))) == ("PNG", POSTER_SIZE,
                                                                  POSTER_COLOR)
    assert decoded(http.get(picture["thumbnail_url"])).size == (320, 240)
