"""Page numbers: malformed ones are the caller's error (400), pages past the end are 404."""

from __future__ import annotations

import pytest

from tests.events.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "²"])
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
