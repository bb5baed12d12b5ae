"""What the schema says each operation answers is what it answers: one call per operation
along the product's journeys (and the refusals its descriptions promise), each compared with
the status codes the schema documents for that operation. Every operation is called."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.core.test_pictures import picture_file
from tests.core.uploads import post_form
from tests.events.factories import ArtistFactory, EventFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def documented(django_db_blocker) -> dict[str, tuple[str, str, set[int]]]:
    """operationId: (method, path, documented status codes)."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    return {op["operationId"]: (method, path, {int(code) for code in op["responses"]})
            for path, methods in schema["paths"].items()
            for method, op in methods.items()}


class Journey:
    """Calls operations by their id and checks each answer against the schema."""

    def __init__(self, documented):
        self.documented = documented
        self.called: set[str] = set()
        self.clients = {"anonymous": APIClient()}

    def as_(self, name: str, user) -> None:
        self.clients[name] = APIClient()
        self.clients[name].force_authenticate(user)

    def call(self, caller: str, operation_id: str, expect: int, body=None, *,
             fmt: str = "json", query: str = "", **params):
        method, template, codes = self.documented[operation_id]
        path = template.format(**params) + (f"?{query}" if query else "")
        response = getattr(self.clients[caller], method)(path, body, format=fmt)
        assert response.status_code == expect, (operation_id, response.content[:300])
        assert expect in codes, f"{operation_id} answers {expect}, documented {sorted(codes)}"
        self.called.add(operation_id)
        return response.json() if response.get("Content-Type") == "application/json" else response

    def post_form(self, picture_upload: dict, content: bytes) -> None:
        """Posts a picture to its upload (the local stand-in, here) as a client would."""
        assert post_form(picture_upload["upload"], content, filename="picture") == 204


def test_every_operation_answers_as_documented(documented):
    j = Journey(documented)
    fan, organizer, staff = UserFactory(), UserFactory(organizer=True), UserFactory(staff=True)
    j.as_("fan", fan)
    j.as_("organizer", organizer)
    j.as_("staff", staff)
    start = timezone.now() + timedelta(days=20)

    # The catalogue.
    venue = j.call("organizer", "venues_create", 201, {"name": "Hall", "city": "Berlin",
                                                        "country": "DE", "capacity": 900})
    j.call("anonymous", "venues_list", 200)
    j.call("anonymous", "venues_retrieve", 200, ref=venue["slug"])
    j.call("organizer", "venues_partial_update", 200, {"capacity": 950}, ref=venue["slug"])
    artist = j.call("organizer", "artists_create", 201, {"name": "The Owls"})
    j.call("anonymous", "artists_list", 200)
    j.call("anonymous", "artists_retrieve", 200, ref=artist["slug"])
    j.call("organizer", "artists_partial_update", 200, {"genre": "rock"}, ref=artist["slug"])
    event = j.call("organizer", "events_create", 201, {
        "title": "Owls Live", "venue": venue["slug"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat()})
    ref = event["slug"]
    j.call("organizer", "events_partial_update", 200, {"description": "Loud."}, ref=ref)
    performance = j.call("organizer", "events_lineup_create", 201, {
        "artist": artist["slug"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat()}, ref=ref)
    j.call("organizer", "events_lineup_partial_update", 200, {"order": 2}, ref=ref,
           performance_id=performance["id"])
    j.call("anonymous", "events_lineup_list", 404, ref=ref)  # a draft is nobody else's
    j.call("organizer", "events_lineup_list", 200, ref=ref)
    upload = j.call("organizer", "events_pictures_uploads_create", 201,
                    {"content_type": "image/jpeg"}, ref=ref)
    j.call("organizer", "events_pictures_create", 409, {"upload": upload["id"]}, ref=ref)  # empty
    j.post_form(upload, picture_file().read())
    picture = j.call("organizer", "events_pictures_create", 201, {"upload": upload["id"]},
                     ref=ref)
    j.call("organizer", "events_pictures_create", 404, {"upload": upload["id"]}, ref=ref)  # used
    j.call("organizer", "events_pictures_list", 200, ref=ref)
    j.call("organizer", "events_pictures_destroy", 204, ref=ref, picture_id=picture["id"])
    j.call("organizer", "events_lineup_destroy", 204, ref=ref, performance_id=performance["id"])
    j.call("organizer", "artists_destroy", 403, ref=artist["slug"])  # staff delete entries

    # Ticket types, sales and the door.
    ticket_type = j.call("organizer", "ticket_types_create", 201, {
        "name": "Standing", "price": "30.00", "currency": "EUR", "capacity": 10,
        "sales_start": timezone.now().isoformat(), "sales_end": start.isoformat(),
        "max_per_buyer": 2}, ref=ref)
    spare = j.call("organizer", "ticket_types_create", 201, {
        "name": "Spare", "price": "10.00", "currency": "EUR", "capacity": 1,
        "sales_start": timezone.now().isoformat(), "sales_end": start.isoformat()}, ref=ref)
    j.call("organizer", "ticket_types_update", 200, {"capacity": 12}, ref=ref,
           ticket_type_id=ticket_type["id"])
    j.call("organizer", "ticket_types_destroy", 204, ref=ref, ticket_type_id=spare["id"])
    j.call("organizer", "events_publish", 200, ref=ref)
    j.call("anonymous", "ticket_types_list", 200, ref=ref)
    j.call("anonymous", "ticket_types_retrieve", 200, ref=ref, ticket_type_id=ticket_type["id"])
    j.call("anonymous", "events_list", 200)
    j.call("anonymous", "events_retrieve", 200, ref=ref)
    items = [{"ticket_type": ticket_type["id"], "quantity": 2}]
    j.clients["fan"].credentials(HTTP_IDEMPOTENCY_KEY="first")
    order = j.call("fan", "orders_create", 201, {"event": event["id"], "items": items})
    j.clients["fan"].credentials(HTTP_IDEMPOTENCY_KEY="second")
    j.call("fan", "orders_create", 409, {"event": event["id"], "items": items})  # per buyer
    j.clients["fan"].credentials()
    j.call("fan", "orders_list", 200)
    j.call("fan", "orders_retrieve", 200, order_id=order["id"])
    j.call("fan", "tickets_list", 200)
    ticket_id = order["tickets"][0]["id"]
    j.call("fan", "tickets_qr_svg", 200, ticket_id=ticket_id)
    j.call("organizer", "tickets_qr_png", 404, ticket_id=ticket_id)  # the holder's alone
    j.call("organizer", "events_check_in", 200, {"code": order["tickets"][0]["code"]}, ref=ref)
    j.call("organizer", "events_check_in", 409, {"code": order["tickets"][0]["code"]}, ref=ref)
    j.call("organizer", "events_sales", 200, ref=ref)
    j.call("fan", "orders_cancel", 409, order_id=order["id"])  # a ticket was used
    j.call("organizer", "events_destroy", 409, ref=ref)  # published: cancel it instead
    j.call("organizer", "events_cancel", 200, ref=ref)
    j.call("organizer", "events_complete", 409, ref=ref)
    j.call("staff", "venues_destroy", 409, ref=venue["slug"])  # its event remains
    draft = EventFactory(organizer=organizer, draft=True)
    j.call("organizer", "events_destroy", 204, ref=draft.slug)
    j.call("staff", "venues_destroy", 204, ref=VenueFactory().slug)
    j.call("staff", "artists_destroy", 204, ref=ArtistFactory().slug)
    refund = EventFactory(organizer=organizer)
    j.call("organizer", "events_complete", 409, ref=refund.slug)  # not over yet
    j.call("fan", "orders_cancel", 404, order_id=order["id"] + 1000)

    # The fan's own things: profile, avatar, files, usage, license keys.
    j.call("fan", "me_retrieve", 200)
    j.call("fan", "me_update", 200, {"display_name": "Ana"})
    avatar = j.call("fan", "me_avatar_uploads_create", 201, {"content_type": "image/jpeg"})
    j.post_form(avatar, picture_file().read())
    j.call("fan", "me_avatar_update", 200, {"upload": avatar["id"]})
    j.call("fan", "me_avatar_update", 404, {"upload": avatar["id"]})  # it served once
    garbage = j.call("fan", "me_avatar_uploads_create", 201, {"content_type": "image/png"})
    j.post_form(garbage, b"not a picture")
    j.call("fan", "me_avatar_update", 400, {"upload": garbage["id"]})
    j.call("fan", "me_avatar_destroy", 204)
    content = b"%PDF-1.7 setlist"
    file = j.call("fan", "files_create", 201, {"name": "setlist.pdf", "size": len(content),
                                               "content_type": "application/pdf"})
    upload = urlsplit(file["upload"]["url"])
    j.call("anonymous", "files_local_upload", 204,
           {**file["upload"]["fields"], "file": _upload(content)}, fmt="multipart",
           query=upload.query)
    j.call("fan", "files_complete_create", 200, file_id=file["id"])
    j.call("fan", "files_list", 200)
    j.call("fan", "files_retrieve", 200, file_id=file["id"])
    download = urlsplit(j.call("fan", "files_download_retrieve", 200,
                               file_id=file["id"])["url"])
    j.call("anonymous", "files_local_download", 200, query=download.query)
    j.call("fan", "files_destroy", 204, file_id=file["id"])
    j.call("fan", "usage_report", 200)
    key = j.call("fan", "license_keys_create", 201, {"name": "Feed", "scopes": ["usage:read"]})
    j.call("fan", "license_keys_list", 200)
    j.call("fan", "license_keys_retrieve", 200, key_id=key["id"])
    j.call("fan", "license_keys_rotate", 201, key_id=key["id"])
    j.call("fan", "license_keys_revoke", 200, key_id=key["id"])

    assert set(documented) - j.called == set()


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("setlist.pdf", content, content_type="application/pdf")
