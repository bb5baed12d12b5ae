"""Page numbers: malformed ones are the caller's error (400), pages past the end are 404."""

from __future__ import annotations

import pytest

from tests.events.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "²", "\uff11", "1e1", " 1"])
def test_a_malformed_page_number_is_a_400_naming_the_parameter(api_client, page):
    response = api_client.get("/api/v1/venues", {"page": page})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["details"]) == ["page"]


def test_pages_are_bounded_and_a_page_past_the_end_is_404(api_client):
    VenueFactory.create_batch(3)
    last = api_client.get("/api/v1/venues", {"page": "last", "page_size": 2}).json()
    assert last["count"] == 3 and len(last["results"]) == 1
    response = api_client.get("/api/v1/venues", {"page": 3, "page_size": 2})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("size", ["-1", "0", "101", "1e1", "1.0", "\uff11", "\u0661", "", "x"])
def test_a_page_size_outside_the_schema_is_a_400_naming_the_parameter(api_client, size):
    response = api_client.get("/api/v1/venues", {"page_size": size})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "page_size": ["A page size is an integer from 1 to 100."]}


def test_page_sizes_within_the_bounds_are_used(api_client):
    VenueFactory.create_batch(2)
    assert len(api_client.get("/api/v1/venues", {"page_size": "1"}).json()["results"]) == 1
    assert len(api_client.get("/api/v1/venues", {"page_size": "100"}).json()["results"]) == 2
