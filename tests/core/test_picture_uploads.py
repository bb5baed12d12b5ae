"""Pictures come in around the function: ask for an upload, post the picture to S3 (moto's
server) or to the local stand-in, name the upload; for avatars and event pictures alike.
And what must be refused with a clean 4xx, leaving no picture behind."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import NamedTuple

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.core import picture_uploads, storage
from apps.core.errors import StorageUnavailable
from apps.core.models import PictureUpload
from apps.events.models import EventPicture
from concert.config import largest_body_bytes
from tests.accounts.factories import UserFactory
from tests.conftest import BUCKET
from tests.core.test_pictures import picture_file, stored_files
from tests.core.uploads import ask_upload, post_form, posted
from tests.events.factories import EventFactory
from tests.races import race

pytestmark = pytest.mark.django_db


class Target(NamedTuple):
    """Where a picture goes: its uploads, how an upload is named, what holds the picture."""

    prefix: str
    uploads: str
    take: Callable[[APIClient, str], object]
    pictures: Callable[[], list[str]]


def avatar(user) -> Target:
    return Target(
        prefix=f"avatars/{user.pk}", uploads="/api/v1/me/avatar/uploads",
        take=lambda client, upload: client.put("/api/v1/me/avatar", {"upload": upload},
                                               format="json"),
        pictures=lambda: [name for name in User.objects.filter(pk=user.pk)
                          .values_list("avatar", flat=True) if name],
    )


def event_pictures(event) -> Target:
    base = f"/api/v1/events/{event.slug}/pictures"
    return Target(
        prefix=f"events/{event.pk}", uploads=f"{base}/uploads",
        take=lambda client, upload: client.post(base, {"upload": upload}, format="json"),
        pictures=lambda: list(EventPicture.objects.filter(event=event)
                              .values_list("name", flat=True)),
    )


@pytest.fixture
def owner():
    return UserFactory(organizer=True)


@pytest.fixture(params=["avatar", "event"])
def target(request, owner) -> Target:
    if request.param == "avatar":
        return avatar(owner)
    return event_pictures(EventFactory(organizer=owner, draft=True))


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def client(owner) -> APIClient:
    return client_of(owner)


def jpeg(size=(640, 480), padding: int = 0) -> bytes:
    """A JPEG; `padding` bytes after its end marker, which decoders skip (as they skip the
    metadata of a camera's picture): large on the wire, small once re-encoded."""
    return picture_file("JPEG", size).read() + b"\0" * padding


def uploaded_objects(backend, s3_client=None) -> list[str]:
    """Keys under uploads/ in the bucket, or files under it in the local folder."""
    if backend == "s3":
        listed = s3_client.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")
        return [item["Key"] for item in listed.get("Contents", [])]
    root = Path(storage.files_storage().path("uploads"))
    return sorted(str(path.relative_to(root.parent)) for path in root.rglob("*")
                  if path.is_file())


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --- the journey --------------------------------------------------------------------------


def test_a_picture_larger_than_the_function_takes_goes_around_it(
    backend, request, client, owner, target, settings, django_capture_on_commit_callbacks
):
    s3 = request.getfixturevalue("s3") if backend == "s3" else None
    # Past what one Lambda event can carry, base64-encoded: it could never be a request body.
    content = jpeg((1200, 900), padding=6 * 1024 * 1024)
    assert len(content) > largest_body_bytes()

    body = ask_upload(client, target.uploads, "image/jpeg")

    record = PictureUpload.objects.get()
    assert body == {"id": str(record.pk), "content_type": "image/jpeg",
                    "max_bytes": settings.PICTURE_UPLOAD_MAX_BYTES, "upload": {
                        "url": body["upload"]["url"], "fields": body["upload"]["fields"],
                        "expires_at": body["upload"]["expires_at"]}}
    assert (record.owner, record.prefix) == (owner, target.prefix)
    assert record.key.startswith(f"uploads/pictures/{owner.pk}/")
    expires_in = dt.datetime.fromisoformat(body["upload"]["expires_at"]) - timezone.now()
    assert dt.timedelta(minutes=14) < expires_in <= dt.timedelta(minutes=15)
    fields = body["upload"]["fields"]
    if backend == "s3":
        assert body["upload"]["url"] == f"{s3.meta.endpoint_url}/{BUCKET}"
        policy = json.loads(base64.b64decode(fields["policy"]))
        assert {"key": record.key} in policy["conditions"]
        assert {"Content-Type": "image/jpeg"} in policy["conditions"]
        assert {"x-amz-server-side-encryption": "AES256"} in policy["conditions"]
        assert ["content-length-range", 1, settings.PICTURE_UPLOAD_MAX_BYTES] in (
            policy["conditions"])
    else:
        assert body["upload"]["url"].startswith("http://testserver/api/v1/files/upload?token=")
        assert fields == {"key": record.key, "Content-Type": "image/jpeg"}

    assert post_form(body["upload"], content, filename="poster.jpg") == 204
    with django_capture_on_commit_callbacks(execute=True):
        taken = target.take(client, body["id"])

    assert taken.status_code in (200, 201), taken.content
    [name] = target.pictures()
    served = client.get(f"/media/{name}")
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (1200, 900)
    # The upload is gone, object and record: it served once.
    assert uploaded_objects(backend, s3) == []
    assert not PictureUpload.objects.exists()
    assert error(target.take(client, body["id"])) == (404, "upload_not_found")


def test_the_local_stand_in_refuses_what_the_s3_policy_would(local_files, client, target,
                                                             settings):
    settings.PICTURE_UPLOAD_MAX_BYTES = 5000
    upload = ask_upload(client, target.uploads)["upload"]

    too_large = Client().post(upload["url"], {**upload["fields"],
                                              "file": io.BytesIO(b"x" * 5001)})
    other_type = Client().post(upload["url"], {**upload["fields"], "Content-Type": "text/html",
                                               "file": io.BytesIO(b"x" * 10)})

    assert error(too_large) == (400, "upload_size_invalid")
    assert too_large.json()["error"]["details"] == {
        "size": "Expected 1 to 5000 bytes, got 5001."}
    assert error(other_type) == (403, "signed_url_invalid")
    assert uploaded_objects("local") == []


def test_the_local_stand_in_names_the_size_of_a_form_too_large_to_read(local_files, client,
                                                                       settings):
    """Refused from its Content-Length, before it is read: the size named is the form's."""
    settings.PICTURE_UPLOAD_MAX_BYTES = 5000
    upload = ask_upload(client, "/api/v1/me/avatar/uploads")["upload"]
    fields = upload["fields"]
    body, content_type = form_body([("key", fields["key"].encode(), None),
                                    ("Content-Type", fields["Content-Type"].encode(), None),
                                    ("file", b"x" * (5000 + 64 * 1024 + 1), "avatar.png")])

    response = Client().post(upload["url"], body, content_type=content_type)

    assert error(response) == (400, "upload_size_invalid")
    assert response.json()["error"]["details"] == {
        "size": f"Expected 1 to 5000 bytes, got a form of {len(body)} bytes."}


def test_the_local_stand_in_closes_an_upload_once_taken(local_files, client, target):
    picture = picture_file("PNG").read()
    body = ask_upload(client, target.uploads)
    assert post_form(body["upload"], picture) == 204
    assert target.take(client, body["id"]).status_code in (200, 201)

    assert post_form(body["upload"], picture) == 409


# --- refusals -----------------------------------------------------------------------------


def _someone_elses(owner, target):
    # Another user's upload for the very same picture folder (staff may add an event's
    # pictures too).
    return posted(picture_uploads.picture_upload_create(
        owner=UserFactory(staff=True), prefix=target.prefix, content_type="image/png"),
        picture_file("PNG"))


def _for_another_folder(owner, target):
    other = "events/999999" if target.prefix.startswith("avatars/") else f"avatars/{owner.pk}"
    return posted(picture_uploads.picture_upload_create(
        owner=owner, prefix=other, content_type="image/png"), picture_file("PNG"))


def _forged(owner, target):
    return str(uuid.uuid4())


def _a_key(owner, target):
    return f"uploads/pictures/{owner.pk}/{uuid.uuid4().hex}"


@pytest.mark.parametrize(("make_upload", "expected"), [
    (_someone_elses, (404, "upload_not_found")),
    (_for_another_folder, (404, "upload_not_found")),
    (_forged, (404, "upload_not_found")),
    (_a_key, (400, "invalid")),
], ids=["someone-elses", "another-folder", "forged-id", "a-key-not-an-id"])
def test_an_upload_not_issued_to_the_caller_for_this_picture_is_refused(
    backend, client, owner, target, make_upload, expected, settings
):
    upload_id = make_upload(owner, target)

    assert error(target.take(client, upload_id)) == expected
    assert target.pictures() == [] and stored_files(settings) == []
    # Someone else's upload is still theirs to take.
    assert PictureUpload.objects.filter(taken_at__isnull=False).count() == 0


@pytest.mark.parametrize("named", [123, 0, True])
def test_an_upload_named_by_anything_but_its_id_in_a_string_is_400(local_files, client, target,
                                                                   named):
    """DRF would read 123 as the UUID 00000000-...-00000000007b: an unknown upload, a 404
    that hides the client's bug."""
    ask_upload(client, target.uploads)

    response = target.take(client, named)

    assert error(response) == (400, "invalid")
    assert response.json()["error"]["details"] == {"upload": ["Must be a valid UUID."]}
    assert PictureUpload.objects.get().taken_at is None


def test_an_upload_over_the_limit_is_413_and_deleted(backend, request, client, target,
                                                     settings):
    s3 = request.getfixturevalue("s3") if backend == "s3" else None
    settings.PICTURE_UPLOAD_MAX_BYTES = 5000
    body = ask_upload(client, target.uploads, "image/jpeg")
    # S3 enforces the POST policy's content-length-range and answers 400 EntityTooLarge
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html);
    # moto does not evaluate POST policies. Whatever reaches the key, the service checks.
    record = PictureUpload.objects.get()
    storage.files_storage().save(record.key, io.BytesIO(jpeg(padding=5000)))

    response = target.take(client, body["id"])

    assert error(response) == (413, "payload_too_large")
    assert response.json()["error"]["details"] == {"max_bytes": 5000}
    assert target.pictures() == [] and stored_files(settings) == []
    assert uploaded_objects(backend, s3) == [] and not PictureUpload.objects.exists()


def test_a_non_picture_is_400_and_deleted(backend, request, client, target, settings):
    s3 = request.getfixturevalue("s3") if backend == "s3" else None
    body = ask_upload(client, target.uploads)
    assert post_form(body["upload"], b"<svg onload=alert(1)>", filename="x.png") == 204

    response = target.take(client, body["id"])

    assert (error(response), response.json()["error"]["message"]) == (
        (400, "invalid_picture"), "The file is not a JPEG, PNG or WebP picture.")
    assert target.pictures() == [] and stored_files(settings) == []
    assert uploaded_objects(backend, s3) == [] and not PictureUpload.objects.exists()


def test_an_upload_with_nothing_posted_is_409_and_can_be_posted_later(backend, client, target):
    body = ask_upload(client, target.uploads)

    response = target.take(client, body["id"])

    assert error(response) == (409, "upload_incomplete")
    assert response.json()["error"]["message"] == (
        "The picture has not been uploaded yet: post it to the upload's url first.")
    assert target.pictures() == []
    assert post_form(body["upload"], picture_file("PNG").read()) == 204
    assert target.take(client, body["id"]).status_code in (200, 201)
    assert len(target.pictures()) == 1


def test_asking_for_an_upload_needs_the_right_to_add_the_picture(api_client):
    draft, cancelled = EventFactory(draft=True), EventFactory(cancelled=True)
    staff, other_organizer = UserFactory(staff=True), UserFactory(organizer=True)

    def ask(event, user):
        api_client.force_authenticate(user)
        return api_client.post(f"/api/v1/events/{event.slug}/pictures/uploads",
                               {"content_type": "image/png"}, format="json")

    assert error(ask(draft, other_organizer)) == (404, "not_found")
    assert error(ask(cancelled, cancelled.organizer)) == (409, "invalid_state")
    assert ask(draft, staff).status_code == 201
    assert PictureUpload.objects.count() == 1


# --- nothing half-written, nothing left behind --------------------------------------------


def test_an_upload_whose_object_cannot_be_deleted_is_kept_for_the_purge(
    s3, client, target, monkeypatch, django_capture_on_commit_callbacks
):
    body = ask_upload(client, target.uploads)
    assert post_form(body["upload"], picture_file("PNG").read()) == 204
    real_delete = storage.delete

    def unavailable(*, key):
        raise StorageUnavailable()

    monkeypatch.setattr(storage, "delete", unavailable)
    with django_capture_on_commit_callbacks(execute=True):
        taken = target.take(client, body["id"])

    # The picture is saved; the upload, taken, waits for the purge with its object.
    assert taken.status_code in (200, 201) and len(target.pictures()) == 1
    record = PictureUpload.objects.get()
    assert record.taken_at is not None and uploaded_objects("s3", s3) == [record.key]
    assert error(target.take(client, body["id"])) == (404, "upload_not_found")

    monkeypatch.setattr(storage, "delete", real_delete)
    PictureUpload.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    out = StringIO()
    call_command("picture_uploads_purge", stdout=out)

    assert out.getvalue() == "Purged 1 picture upload(s) older than 24 h.\n"
    assert uploaded_objects("s3", s3) == [] and not PictureUpload.objects.exists()


def test_the_purge_deletes_day_old_uploads_with_their_objects(backend, request, owner):
    s3 = request.getfixturevalue("s3") if backend == "s3" else None
    create = picture_uploads.picture_upload_create
    stale, recent = (posted(create(owner=owner, prefix=f"avatars/{owner.pk}",
                                   content_type="image/png"), b"x") for _ in range(2))
    PictureUpload.objects.filter(pk=stale).update(
        created_at=timezone.now() - dt.timedelta(hours=25))

    assert picture_uploads.picture_uploads_purge(older_than=dt.timedelta(days=1)) == 1

    [kept] = PictureUpload.objects.all()
    assert str(kept.pk) == str(recent)
    assert len(uploaded_objects(backend, s3)) == 1


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_the_same_upload_taken_at_once_makes_one_picture_and_404s(backend, owner, target,
                                                                   settings):
    """Five requests name one upload at once: it is claimed before its object is read, so
    one makes the picture and the others get 404 (not a 503 or 409 from an object the
    winner deleted under them, as S3 gave before)."""
    body = ask_upload(client_of(owner), target.uploads)
    assert post_form(body["upload"], picture_file("PNG").read()) == 204
    statuses = sorted(r.status_code for r in race(
        [lambda: target.take(client_of(owner), body["id"])] * 5))
    assert statuses[0] in (200, 201) and statuses[1:] == [404] * 4
    [name] = target.pictures()
    # The losers did not take the winner's files with them.
    assert name in stored_files(settings)
    assert not PictureUpload.objects.exists()


def test_an_upload_whose_picture_is_not_recorded_can_be_tried_again(
        local_files, owner, target, monkeypatch):
    """Claimed, then the recording fails (the database, say): the claim is given back."""
    from django.db import OperationalError

    body = ask_upload(client_of(owner), target.uploads)
    assert post_form(body["upload"], picture_file("PNG").read()) == 204

    def fail(**kwargs):
        raise OperationalError("gone away")

    with monkeypatch.context() as patched:
        for service in ("apps.events.services", "apps.accounts.services"):
            patched.setattr(f"{service}.picture_upload_take", fail)
        assert target.take(client_of(owner), body["id"]).status_code == 503
    assert PictureUpload.objects.get().taken_at is None
    assert target.take(client_of(owner), body["id"]).status_code in (200, 201)


def test_a_claim_outlives_its_request_by_no_more_than_the_time_limit(backend, client, owner,
                                                                     target, settings):
    """A request claims the upload and its process is stopped (Lambda's timeout) before it
    gives it back: once the claim is older than REQUEST_TIME_LIMIT and a margin, the
    upload can be taken again, not 404 for good."""
    settings.REQUEST_TIME_LIMIT = 10
    body = ask_upload(client, target.uploads)
    assert post_form(body["upload"], picture_file("PNG").read()) == 204
    claimed = PictureUpload.objects.filter(pk=body["id"])
    lifetime = storage.request_lifetime()
    assert lifetime == dt.timedelta(seconds=40)

    claimed.update(taken_at=timezone.now() - lifetime + dt.timedelta(seconds=5))
    assert error(target.take(client, body["id"])) == (404, "upload_not_found")
    assert target.pictures() == []

    claimed.update(taken_at=timezone.now() - lifetime - dt.timedelta(seconds=1))
    assert target.take(client, body["id"]).status_code in (200, 201)
    assert len(target.pictures()) == 1


def test_a_request_that_outlived_its_claim_records_no_picture(local_files, owner):
    """Its claim aged past the limit and another request took the upload meanwhile: the late
    request's picture is refused where it would be recorded, so an upload serves once."""
    client = client_of(owner)
    body = ask_upload(client, "/api/v1/me/avatar/uploads")
    assert post_form(body["upload"], picture_file("PNG").read()) == 204
    late, _ = picture_uploads.picture_upload_store(owner=owner, upload_id=body["id"],
                                                   prefix=f"avatars/{owner.pk}")
    late.taken_at -= storage.request_lifetime()
    PictureUpload.objects.filter(pk=late.pk).update(taken_at=late.taken_at)

    assert client.put("/api/v1/me/avatar", {"upload": body["id"]},
                      format="json").status_code == 200
    with pytest.raises(picture_uploads.PictureUploadNotFound), transaction.atomic():
        picture_uploads.picture_upload_take(upload=late)
    picture_uploads.picture_upload_release(upload=late)  # not its claim: changes nothing
    assert PictureUpload.objects.get().used_at is not None


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_an_account_holds_at_most_five_open_uploads_even_when_asking_at_once(local_files, owner):
    """Each open upload may park PICTURE_UPLOAD_MAX_BYTES in the bucket for a day: eight asks
    at once open five, the others get a 429 with the time the oldest one expires; a taken
    upload or an expired POST frees its place."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.errors import TooManyRequests

    def ask():
        return picture_uploads.picture_upload_create(owner=owner, prefix=f"avatars/{owner.pk}",
                                                     content_type="image/png")

    outcomes = ["open" if isinstance(r, tuple) else r.retry_after
                for r in race([ask] * 8) if isinstance(r, tuple | TooManyRequests)]
    assert outcomes.count("open") == 5
    refusals = [o for o in outcomes if o != "open"]
    assert len(refusals) == 3 and all(0 < s <= storage.UPLOAD_URL_TTL.total_seconds()
                                      for s in refusals)

    client = client_of(owner)
    response = client.post("/api/v1/me/avatar/uploads", {"content_type": "image/png"},
                           format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "throttled"

    oldest, newest = (PictureUpload.objects.order_by("created_at")[i] for i in (0, 4))
    PictureUpload.objects.filter(pk=oldest.pk).update(taken_at=timezone.now())
    assert client.post("/api/v1/me/avatar/uploads", {"content_type": "image/png"},
                       format="json").status_code == 201
    PictureUpload.objects.exclude(pk=newest.pk).update(
        created_at=timezone.now() - storage.UPLOAD_URL_TTL - timedelta(seconds=1))
    assert client.post("/api/v1/me/avatar/uploads", {"content_type": "image/png"},
                       format="json").status_code == 201


def test_a_form_posted_twice_keeps_one_object_the_last(local_files, client, target,
                                                       django_capture_on_commit_callbacks):
    """As S3 does: the local stand-in overwrites rather than keeping a renamed copy that no
    record names (and that no purge would ever find)."""
    body = ask_upload(client, target.uploads)
    first, last = jpeg(), jpeg(size=(320, 200))
    assert post_form(body["upload"], first) == 204
    assert post_form(body["upload"], last) == 204
    assert uploaded_objects("local") == [PictureUpload.objects.get().key]
    with django_capture_on_commit_callbacks(execute=True):
        assert target.take(client, body["id"]).status_code in (200, 201)
    assert uploaded_objects("local") == []


def form_body(parts: list[tuple[str, bytes, str | None]]) -> tuple[bytes, str]:
    """A multipart/form-data body of (name, value, file name or None) parts, in that order."""
    boundary = "S3FormBoundary7MA4YWxk"
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename
                                                     else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if filename:
            head += "Content-Type: application/octet-stream\r\n"
        body += head.encode() + b"\r\n" + value + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# The fields of a picture upload's form and up to three file parts, in any order.
form_orders = st.integers(0, 3).flatmap(lambda files: st.permutations(
    ["key", "Content-Type", *(f"file {n}" for n in range(files))]))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=form_orders)
def test_the_local_stand_in_takes_one_file_as_the_forms_last_field_as_s3_does(
        local_files, order):
    """S3 reads a POST form up to its file and ignores what follows; it refuses a second
    file. The stand-in refuses both, and stores nothing then, so a client that S3 would
    break fails in local development too."""
    upload = ask_upload(client_of(UserFactory()), "/api/v1/me/avatar/uploads")["upload"]
    fields, files = upload["fields"], [part for part in order if part.startswith("file")]
    parts = [("file", part.encode() * 10, "avatar.png") if part in files
             else (part, fields[part].encode(), None) for part in order]
    body, content_type = form_body(parts)

    response = Client().post(upload["url"], body, content_type=content_type)

    after_file = order[order.index(files[0]) + 1:] if files else []
    if not files:
        refusal = ("invalid_request", {"file": "Required."})
    elif len(files) > 1:
        refusal = ("upload_form_invalid", {"files": len(files)})
    elif after_file:
        refusal = ("upload_form_invalid", {"after_file": sorted(after_file)})
    else:
        assert response.status_code == 204
        with storages["files"].open(fields["key"]) as stored:
            assert stored.read() == files[0].encode() * 10
        return
    assert response.status_code == 400
    assert (error(response)[1], response.json()["error"]["details"]) == refusal
    assert not storages["files"].exists(fields["key"])
