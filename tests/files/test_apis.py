"""Files API: presigned uploads to S3 (moto's server) or the local folder, checks, IDOR."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from io import StringIO
from unittest import mock
from urllib.parse import urlparse

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core import storage
from apps.files.models import File, StrayObject
from tests.accounts.factories import UserFactory
from tests.conftest import BUCKET, use_files_bucket
from tests.core.uploads import post_form
from tests.files.factories import FileFactory
from tests.files.objects import on_s3_calls, sha256_hex, stored_content, stored_keys
from tests.races import race

pytestmark = pytest.mark.django_db

CONTENT = b"hello world"
OTHER = b"HELLO WORLD"  # as long, another SHA-256
DIGEST = hashlib.sha256(CONTENT).hexdigest()
ANY = mock.ANY


def announce(client, **overrides):
    body = {"name": "Setlist 2026.pdf", "content_type": "application/pdf",
            "size": len(CONTENT), **overrides}
    return client.post("/api/v1/files", body, format="json")


def fetch(url: str) -> tuple[int, dict, bytes]:
    if url.startswith("http://testserver/"):
        response = Client().get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, dict(response.headers), content
    response = requests.get(url, timeout=10)
    return response.status_code, dict(response.headers), response.content


def file_body(file: File, **changes) -> dict:
    return {
        "id": str(file.pk), "name": file.name, "content_type": file.content_type,
        "size": file.size, "sha256": file.sha256, "status": file.status,
        "created_at": ANY, "uploaded_at": None, **changes,
    }


def error(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def test_upload_complete_and_download_round_trip(backend, user_client, user):
    response = announce(user_client, sha256=DIGEST.upper())

    assert response.status_code == 201
    body = response.json()
    file = File.objects.get(pk=body["id"])
    upload_key = file.key
    assert upload_key.startswith(f"uploads/files/{user.pk}/")
    assert upload_key.endswith("/Setlist_2026.pdf")
    assert body == file_body(file, status="pending", sha256=DIGEST, upload={
        "url": ANY, "fields": ANY, "expires_at": ANY,
    })
    expires_in = dt.datetime.fromisoformat(body["upload"]["expires_at"]) - timezone.now()
    assert dt.timedelta(minutes=14) < expires_in <= dt.timedelta(minutes=15)

    assert post_form(body["upload"], CONTENT) == 204
    assert stored_keys() == {upload_key}
    response = user_client.post(f"/api/v1/files/{file.pk}/complete")
    assert response.status_code == 200
    file.refresh_from_db()
    assert response.json() == file_body(file, status="uploaded", uploaded_at=ANY)
    assert file.uploaded_at is not None
    # Moved out of the upload's reach: a key of its own under files/, the upload deleted.
    assert file.key.startswith(f"files/{user.pk}/") and file.key.endswith("/Setlist_2026.pdf")
    assert file.key.split("/")[2] != upload_key.split("/")[3]
    assert stored_keys() == {file.key}

    response = user_client.get(f"/api/v1/files/{file.pk}/download")
    assert response.status_code == 200
    assert response.json() == {"url": ANY, "expires_at": ANY}
    status, headers, content = fetch(response.json()["url"])
    assert (status, content) == (200, CONTENT)
    assert headers["Content-Disposition"] == 'attachment; filename="Setlist 2026.pdf"'


def test_s3_post_policy_pins_key_size_type_and_encryption(s3, user_client):
    upload = announce(user_client).json()["upload"]
    fields = upload["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))

    assert upload["url"] == f"{s3.meta.endpoint_url}/{BUCKET}"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["Content-Type"] == "application/pdf"
    assert fields["x-amz-server-side-encryption"] == "AES256"
    assert {"key": fields["key"]} in policy["conditions"]
    assert {"bucket": BUCKET} in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert {"x-amz-server-side-encryption": "AES256"} in policy["conditions"]
    assert ["content-length-range", len(CONTENT), len(CONTENT)] in policy["conditions"]
    expiration = dt.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expiration - timezone.now() <= dt.timedelta(minutes=15)


def test_presigned_urls_use_the_public_endpoint(s3, settings, user_client, user):
    public = s3.meta.endpoint_url.replace("127.0.0.1", "localhost")
    settings.FILES_PUBLIC_ENDPOINT_URL = public
    use_files_bucket(settings, BUCKET)
    body = announce(user_client).json()

    assert body["upload"]["url"] == f"{public}/{BUCKET}"
    assert post_form(body["upload"], CONTENT) == 204
    user_client.post(f"/api/v1/files/{body['id']}/complete")
    url = user_client.get(f"/api/v1/files/{body['id']}/download").json()["url"]
    assert url.startswith(f"{public}/{BUCKET}/files/{user.pk}/")
    assert fetch(url)[2] == CONTENT


def test_complete_before_upload_is_refused(backend, user_client):
    file_id = announce(user_client).json()["id"]

    response = user_client.post(f"/api/v1/files/{file_id}/complete")

    assert response.status_code == 409
    assert response.json() == error("upload_incomplete", "The file has not been uploaded yet.")
    assert File.objects.get(pk=file_id).status == "pending"


@pytest.mark.parametrize(("content", "sha256", "details"), [
    (b"hello world, and then some", "", {"size": "Declared 11 bytes, received 26."}),
    (OTHER, DIGEST, {"sha256": "The content does not match the declared SHA-256."}),
])
def test_s3_upload_unlike_the_declaration_is_refused_and_deleted(
    s3, user_client, content, sha256, details
):
    # moto accepts the POST whatever its size or type (it does not evaluate the POST policy,
    # content-length-range included); real S3 refuses it. `complete` catches it either way.
    body = announce(user_client, **({"sha256": sha256} if sha256 else {})).json()
    assert post_form(body["upload"], content) == 204

    response = user_client.post(f"/api/v1/files/{body['id']}/complete")

    assert response.status_code == 409
    assert response.json() == error(
        "upload_mismatch",
        "The uploaded file does not match what was declared; upload it again.", details,
    )
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert File.objects.get(pk=body["id"]).status == "pending"


def test_s3_upload_of_another_content_type_is_refused(s3, user_client):
    body = announce(user_client).json()
    assert post_form(body["upload"], CONTENT, **{"Content-Type": "text/html"}) == 204

    response = user_client.post(f"/api/v1/files/{body['id']}/complete")

    assert response.status_code == 409
    assert response.json()["error"]["details"] == {
        "content_type": "Declared 'application/pdf', received 'text/html'."
    }


def test_local_checksum_mismatch_is_refused_and_deleted(local_files, user_client):
    body = announce(user_client, sha256=DIGEST).json()
    assert post_form(body["upload"], OTHER) == 204

    response = user_client.post(f"/api/v1/files/{body['id']}/complete")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "upload_mismatch"
    assert not any(p.is_file() for p in local_files.rglob("*"))


@pytest.mark.parametrize(("content", "fields", "status", "code"), [
    (b"hello world, and then some", {}, 400, "upload_size_invalid"),
    (b"", {}, 400, "upload_size_invalid"),
    (CONTENT, {"key": "files/1/other/x.pdf"}, 403, "signed_url_invalid"),
    (CONTENT, {"Content-Type": "text/html"}, 403, "signed_url_invalid"),
])
def test_local_upload_enforces_what_the_s3_policy_would(
    local_files, user_client, content, fields, status, code
):
    upload = announce(user_client).json()["upload"]
    form = {**upload["fields"], **fields, "file": SimpleUploadedFile("a.pdf", content)}

    response = Client().post(upload["url"], form)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not any(p.is_file() for p in local_files.rglob("*"))


@pytest.mark.parametrize(("body", "content_type", "details"), [
    (b"--xx\r\nbroken", "multipart/form-data; boundary=xx",
     {"key": "Required.", "Content-Type": "Required.", "file": "Required."}),
    (b"", "multipart/form-data; boundary=xx",
     {"key": "Required.", "Content-Type": "Required.", "file": "Required."}),
    (b'--xx\r\nContent-Disposition: form-data; name="key"\r\n\r\n', "multipart/form-data; "
     "boundary=xx", {"key": "Required.", "Content-Type": "Required.", "file": "Required."}),
])
def test_a_broken_form_with_a_valid_token_is_400(local_files, user_client, body, content_type,
                                                 details):
    """The token is fine, the form is not one: malformed (400, as S3 answers it), not a
    form whose fields do not match the signature (403)."""
    upload = announce(user_client).json()["upload"]

    response = Client().post(upload["url"], body, content_type=content_type)

    assert (response.status_code, response.json()) == (400, error(
        "invalid_request", "The form lacks fields of the signed upload.", details))


def test_a_body_that_is_no_form_is_400(local_files, user_client):
    upload = announce(user_client).json()["upload"]

    response = Client().post(upload["url"], b"hello", content_type="multipart/form-data")

    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")


def test_local_upload_and_download_urls_are_signed_and_expire(local_files, user_client):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 16 * 60):
        stale = announce(user_client).json()["upload"]
    fresh = announce(user_client).json()["upload"]
    tampered = fresh["url"][:-2] + ("AA" if not fresh["url"].endswith("AA") else "BB")

    assert post_form(stale, CONTENT) == 403
    assert post_form({**fresh, "url": tampered}, CONTENT) == 403
    response = Client().get(tampered.replace("/upload?", "/download?"))
    assert response.status_code == 403
    assert response.json() == error("signed_url_invalid", "The link is invalid or has expired.")


def test_local_download_of_a_declared_html_file_runs_nothing(local_files, user_client):
    body = announce(user_client, name="page.html", content_type="text/html").json()
    assert post_form(body["upload"], CONTENT, filename="page.html") == 204
    user_client.post(f"/api/v1/files/{body['id']}/complete")

    url = user_client.get(f"/api/v1/files/{body['id']}/download").json()["url"]
    status, headers, content = fetch(url)

    assert (status, content, headers["Content-Type"]) == (200, CONTENT, "text/html")
    assert headers["Content-Security-Policy"] == (
        "default-src 'none'; sandbox; frame-ancestors 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_form_posted_again_after_complete_changes_nothing_downloaded(backend, user_client):
    body = announce(user_client, sha256=DIGEST).json()
    assert post_form(body["upload"], CONTENT) == 204
    upload_key = File.objects.get(pk=body["id"]).key
    assert user_client.post(f"/api/v1/files/{body['id']}/complete").status_code == 200

    # S3 takes the form until it expires, at the upload's key (the bucket expires it in a
    # day); the local stand-in closes it. Written there all the same:
    assert post_form(body["upload"], OTHER) == (204 if backend == "s3" else 409)
    storages["files"].save(upload_key, ContentFile(OTHER))

    file = File.objects.get(pk=body["id"])
    url = user_client.get(f"/api/v1/files/{file.pk}/download").json()["url"]
    assert fetch(url)[2] == CONTENT == stored_content(file.key)
    assert stored_keys() == {file.key, upload_key}


@pytest.mark.parametrize("after", ["HeadObject", "CopyObject", "GetObject"])
def test_an_upload_overwritten_while_it_completes_is_never_recorded_as_checked(
    s3, user_client, after
):
    """The owner posts the form again with other bytes while `complete` runs, right after
    the service's first call `after` to S3: what is recorded as checked is what is stored."""
    body = announce(user_client, sha256=DIGEST).json()
    assert post_form(body["upload"], CONTENT) == 204
    overwritten: list[int] = []

    def overwrite(**_):
        if not overwritten:
            overwritten.append(post_form(body["upload"], OTHER))

    with on_s3_calls(f"after-call.s3.{after}", overwrite):
        response = user_client.post(f"/api/v1/files/{body['id']}/complete")

    file = File.objects.get(pk=body["id"])
    assert overwritten == [204]
    if response.status_code == 200:
        url = user_client.get(f"/api/v1/files/{file.pk}/download").json()["url"]
        assert sha256_hex(fetch(url)[2]) == sha256_hex(stored_content(file.key)) == file.sha256
    else:  # the copy took the other bytes, and was refused for them
        assert response.json()["error"]["code"] == "upload_mismatch"
        assert file.status == "pending"
        assert not [key for key in stored_keys() if key.startswith("files/")]
    if after == "GetObject":  # the checksum was read before the overwrite: kept, as read
        assert (response.status_code, stored_content(file.key)) == (200, CONTENT)


def test_a_large_upload_is_copied_in_parts_all_of_the_one_upload(s3, monkeypatch, user_client):
    part = 5 * 1024 * 1024  # the smallest part S3 takes
    monkeypatch.setattr(storage, "COPY_PART_BYTES", part)
    data = bytes(range(256)) * (2 * part // 256 + 1)  # three parts, the last one short
    body = announce(user_client, size=len(data), sha256=sha256_hex(data)).json()
    assert post_form(body["upload"], data) == 204
    upload_key = File.objects.get(pk=body["id"]).key
    etag = s3.head_object(Bucket=BUCKET, Key=upload_key)["ETag"]
    parts: list[dict] = []

    def record(params, **_):
        parts.append(params)

    with on_s3_calls("before-parameter-build.s3.UploadPartCopy", record):
        response = user_client.post(f"/api/v1/files/{body['id']}/complete")

    assert response.status_code == 200
    file = File.objects.get(pk=body["id"])
    assert stored_content(file.key) == data and stored_keys() == {file.key}
    # S3 copies a part only if its source still has the ETag given (x-amz-copy-source-if-
    # match; otherwise 412 Precondition Failed: https://docs.aws.amazon.com/AmazonS3/latest/
    # API/API_UploadPartCopy.html), so parts of two uploads are never joined. moto 5.2 does
    # not evaluate that header (of the copy conditions it evaluates if-none-match only), so
    # this shows the condition is sent with every part, not that S3 holds to it.
    assert [p["CopySourceIfMatch"] for p in parts] == [etag] * 3


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_completes_at_once_record_one_copy_and_leave_nothing_else(s3, user):
    def client():
        api = APIClient()
        api.force_authenticate(user)
        return api

    body = announce(client(), sha256=DIGEST).json()
    assert post_form(body["upload"], CONTENT) == 204

    results = race([lambda: client().post(f"/api/v1/files/{body['id']}/complete")] * 2)

    assert [r.status_code for r in results] == [200, 200]
    file = File.objects.get(pk=body["id"])
    assert file.status == "uploaded" and stored_keys() == {file.key}
    assert stored_content(file.key) == CONTENT
    assert not StrayObject.objects.exists()  # the loser's copy went, record and object


def test_local_endpoints_do_not_exist_with_a_bucket(s3, user_client):
    assert Client().post("/api/v1/files/upload?token=x").status_code == 404
    assert Client().get("/api/v1/files/download?token=x").status_code == 404


def test_download_of_a_pending_file_is_refused(local_files, user_client, user):
    file = FileFactory(owner=user)

    response = user_client.get(f"/api/v1/files/{file.pk}/download")

    assert response.status_code == 409
    assert response.json() == error("file_not_uploaded", "The file is not uploaded yet.")


def test_delete_removes_object_and_record(backend, user_client):
    body = announce(user_client).json()
    post_form(body["upload"], CONTENT)
    user_client.post(f"/api/v1/files/{body['id']}/complete")
    url = user_client.get(f"/api/v1/files/{body['id']}/download").json()["url"]

    assert stored_keys() == {File.objects.get(pk=body["id"]).key}

    response = user_client.delete(f"/api/v1/files/{body['id']}")

    assert response.status_code == 204
    assert not File.objects.filter(pk=body["id"]).exists()
    assert stored_keys() == set()
    # S3 answers 403 for a missing key to callers who may not list the bucket.
    assert fetch(url)[0] in (403, 404)


def test_delete_keeps_the_record_when_s3_fails(s3, settings, user_client, user):
    file = FileFactory(owner=user, uploaded=True)
    use_files_bucket(settings, "no-such-bucket")

    response = user_client.delete(f"/api/v1/files/{file.pk}")

    assert response.status_code == 503
    assert response.json() == error(
        "storage_unavailable", "File storage is unavailable. Try again shortly."
    )
    assert File.objects.filter(pk=file.pk).exists()


OTHER_USERS_REQUESTS = [
    ("get", ""), ("post", "/complete"), ("get", "/download"), ("delete", ""),
]


@pytest.mark.parametrize("trait", [None, "organizer", "staff", "admin"])
@pytest.mark.parametrize(("method", "suffix"), OTHER_USERS_REQUESTS)
def test_other_users_files_are_not_found(local_files, api_client, method, suffix, trait):
    """Files are private: staff and admins are everyone else too (they use the Django admin)."""
    file = FileFactory(uploaded=True)
    api_client.force_authenticate(UserFactory(**({trait: True} if trait else {})))

    response = getattr(api_client, method)(f"/api/v1/files/{file.pk}{suffix}")

    assert response.status_code == 404
    assert response.json() == error("not_found", "File not found.")
    assert File.objects.filter(pk=file.pk).exists()


def test_list_shows_only_my_files_paginated(
    local_files, user_client, user, django_assert_max_num_queries
):
    mine = [FileFactory(owner=user) for _ in range(3)]
    FileFactory()

    # The count and the page, plus the usage quota's plan lookup (cached or not): no N+1.
    with django_assert_max_num_queries(3):
        response = user_client.get("/api/v1/files", {"page_size": 2})

    assert response.status_code == 200
    newest_first = sorted(mine, key=lambda f: (-f.created_at.timestamp(), str(f.pk)))
    assert response.json() == {
        "count": 3,
        "next": "http://testserver/api/v1/files?page=2&page_size=2",
        "previous": None,
        "results": [file_body(f) for f in newest_first[:2]],
    }


UNSAFE_NAME = "A file name cannot contain path separators or be . or .."


def invisible(code: str) -> str:
    return (f"Remove the invisible or control character {code}: text cannot hold control, "
            "format, separator, private-use or unassigned characters.")


@pytest.mark.parametrize(("payload", "details"), [
    ({"name": "../etc/passwd"}, {"name": [UNSAFE_NAME]}),
    ({"name": "a\\b.pdf"}, {"name": [UNSAFE_NAME]}),
    ({"name": "invoice\u202efdp.exe"},  # shows as invoiceexe.pdf
     {"name": [invisible("U+202E (RIGHT-TO-LEFT OVERRIDE)")]}),
    ({"name": "report\u2067fdp.exe"}, {"name": [invisible("U+2067 (RIGHT-TO-LEFT ISOLATE)")]}),
    ({"name": "set\u200blist.pdf"}, {"name": [invisible("U+200B (ZERO WIDTH SPACE)")]}),
    ({"name": "x" * 256}, {"name": ["Ensure this field has no more than 255 characters."]}),
    ({"content_type": "pdf"}, {"content_type": ["Enter a media type such as application/pdf."]}),
    ({"content_type": "text/html; charset=utf-8"},
     {"content_type": ["Enter a media type such as application/pdf."]}),
    ({"size": 0}, {"size": ["Ensure this value is greater than or equal to 1."]}),
    ({"size": 1001}, {"size": ["Files can be at most 1000 bytes."]}),
    ({"sha256": "abc"}, {"sha256": ["Enter the SHA-256 as 64 hexadecimal characters."]}),
])
def test_announcement_is_validated(local_files, settings, user_client, payload, details):
    settings.FILES_MAX_BYTES = 1000

    response = announce(user_client, **payload)

    assert response.status_code == 400
    assert response.json() == error("invalid", "The request has invalid fields.", details)
    assert not File.objects.exists()


def test_announcements_stay_within_the_accounts_storage_quota(local_files, settings,
                                                               user_client, user):
    settings.FILES_QUOTA_BYTES = 1000
    FileFactory(owner=user, size=600, uploaded=True)
    FileFactory(owner=UserFactory(), size=900)  # someone else's: not counted

    fits = announce(user_client, size=300)  # pending files count too
    refused = announce(user_client, size=101)

    assert fits.status_code == 201
    assert (refused.status_code, refused.json()) == (409, error(
        "storage_quota_exceeded",
        "This file does not fit in the account's storage quota; delete files first.",
        {"quota": 1000, "used": 900, "size": 101}))
    assert File.objects.filter(owner=user).count() == 2


def stored_bytes(prefix: str = "") -> int:
    return sum(len(stored_content(key)) for key in stored_keys() if key.startswith(prefix))


def expire_forms() -> None:
    """Time passes: every form handed out so far has expired."""
    past = timezone.now() - storage.UPLOAD_URL_TTL - storage.FORM_CLOCK_MARGIN
    File.objects.update(created_at=past)
    StrayObject.objects.update(writable_until=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.parametrize("completed", [False, True], ids=["pending", "completed"])
def test_a_deleted_files_form_posted_again_stays_within_the_quota(s3, settings, user_client,
                                                                   completed):
    """S3 takes a form until it expires whatever became of its file: announcing, posting,
    deleting and posting the same form again, round after round, stores no more than the
    quota, since a deleted file's upload counts until its form has expired. Then its bytes
    are given back and the leftovers deleted, at the next announcement or by the purge."""
    settings.FILES_QUOTA_BYTES = 3 * len(CONTENT)
    refused = None
    for _ in range(5):
        response = announce(user_client)
        if response.status_code == 409:
            refused = response.json()["error"]["details"]
            break
        body = response.json()
        assert post_form(body["upload"], CONTENT) == 204
        if completed:
            assert user_client.post(f"/api/v1/files/{body['id']}/complete").status_code == 200
        assert user_client.delete(f"/api/v1/files/{body['id']}").status_code == 204
        assert post_form(body["upload"], CONTENT) == 204
        assert stored_bytes() <= settings.FILES_QUOTA_BYTES

    held_until = StrayObject.objects.latest("writable_until").writable_until
    assert refused == {"quota": 33, "used": 33, "size": 11, "held": 33,
                       "held_until": held_until.isoformat().replace("+00:00", "Z")}
    assert StrayObject.objects.filter(kind="upload").count() == 3
    assert stored_bytes("uploads/files/") == 33 and stored_bytes("files/") == 0

    expire_forms()
    if completed:  # the bytes given back at the next announcement
        assert announce(user_client).status_code == 201
        assert stored_keys() == set()
    else:
        out = StringIO()
        call_command("files_purge_pending", stdout=out)
        assert out.getvalue().endswith("Purged 3 stray object(s).\n")
        assert stored_keys() == set()
    assert not StrayObject.objects.exists()


def test_a_file_deleted_once_its_form_has_expired_gives_its_bytes_back_at_once(
        local_files, settings, user_client, user):
    settings.FILES_QUOTA_BYTES = 1000
    file = FileFactory(owner=user, size=1000, uploaded=True)
    expire_forms()

    assert user_client.delete(f"/api/v1/files/{file.pk}").status_code == 204
    assert announce(user_client, size=1000).status_code == 201
    assert not StrayObject.objects.exists()


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_a_file_deleted_while_a_file_is_announced_is_counted_once(s3, settings, user):
    """Its bytes pass from the file to its upload's record in one step the announcement
    never sees half-way: the account at its quota stays there whichever comes first."""
    settings.FILES_QUOTA_BYTES = len(CONTENT)

    def client():
        api = APIClient()
        api.force_authenticate(user)
        return api

    for _ in range(5):
        StrayObject.objects.all().delete()
        file = FileFactory(owner=user, size=len(CONTENT))  # its form still valid
        deleted, announced = race([
            lambda url=f"/api/v1/files/{file.pk}": client().delete(url),
            lambda: announce(client()),
        ])
        assert (deleted.status_code, announced.status_code) == (204, 409)
        assert StrayObject.objects.get().size == len(CONTENT)


def test_checksum_is_refused_past_the_verification_bound(local_files, user_client):
    response = announce(user_client, size=100 * 1024 * 1024 + 1, sha256=DIGEST)

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"sha256": [
        "A checksum can be verified for files up to 104857600 bytes; "
        "leave it out for larger files."
    ]}


@pytest.mark.parametrize(("scopes", "method", "status"), [
    (["files:read"], "get", 200),
    (["files:read"], "post", 403),
    (["files:write"], "post", 201),
    (["events:read", "events:write"], "get", 403),
])
def test_license_keys_need_the_files_scope(
    local_files, api_client, user, scopes, method, status
):
    api_client.force_authenticate(user, token=mock.Mock(spec=["scopes"], scopes=scopes))

    response = api_client.get("/api/v1/files") if method == "get" else announce(api_client)

    assert response.status_code == status


def test_content_type_is_normalised(local_files, user_client):
    response = announce(user_client, content_type=" Image/PNG ")

    assert response.json()["content_type"] == "image/png"
    assert urlparse(response.json()["upload"]["url"]).path == "/api/v1/files/upload"
