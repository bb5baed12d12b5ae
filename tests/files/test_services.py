"""Files services: keys, deletion when the database fails, the purge of stale uploads, admin."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from io import StringIO
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.core import storage
from apps.core.errors import StorageUnavailable
from apps.files import services
from apps.files.models import File, StrayObject
from tests.accounts.factories import UserFactory
from tests.conftest import BUCKET, use_files_bucket
from tests.files.factories import FileFactory
from tests.files.objects import on_s3_calls, sha256_hex, stored_keys

pytestmark = pytest.mark.django_db


def test_keys_are_per_user_unguessable_and_safe():
    first = services.file_key(owner_id=7, name="Résumé final (v2).pdf")
    second = services.file_key(owner_id=7, name="Résumé final (v2).pdf")

    prefix, owner, token, name = first.split("/")
    assert (prefix, owner, name) == ("files", "7", "Resume_final_v2_.pdf")
    assert len(token) >= 22 and first != second
    assert services.file_key(owner_id=7, name="..").endswith("/file")
    assert len(services.file_key(owner_id=7, name="x" * 255).rsplit("/", 1)[1]) == 100
    upload = services.file_key(owner_id=7, name="a.pdf", prefix=services.UPLOADS_PREFIX)
    assert upload.startswith("uploads/files/7/") and upload.endswith("/a.pdf")


def test_forms_are_never_signed_outside_the_uploads_prefix(s3):
    with pytest.raises(ValueError, match="forms only write under uploads/"):
        storage.presign_upload(key="files/7/abc/a.pdf", content_type="application/pdf",
                               min_size=1, max_size=1)


def test_a_file_announced_before_uploads_had_a_prefix_completes_into_a_copy(s3):
    """Rows from before: a pending file's key under files/, the form's. It completes as any."""
    owner = UserFactory()
    file = FileFactory(owner=owner, key=services.file_key(owner_id=owner.pk, name="old.pdf"))
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world", ContentType=file.content_type)

    completed = services.file_complete(file=file)

    assert completed.status == File.Status.UPLOADED and completed.key != file.key
    assert stored_keys() == {completed.key}


def test_an_uploaded_file_is_never_recorded_at_an_upload_key():
    key = services.file_key(owner_id=7, name="a.pdf", prefix=services.UPLOADS_PREFIX)

    with pytest.raises(IntegrityError, match="files_file_uploaded_key_not_an_upload"), \
            transaction.atomic():
        FileFactory(uploaded=True, key=key)


@pytest.mark.parametrize("failure", ["storage", "database"])
def test_a_complete_that_fails_after_the_copy_leaves_the_upload_alone(s3, failure):
    file = FileFactory(sha256=sha256_hex(b"hello world"))
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world", ContentType=file.content_type)
    fails = (mock.patch.object(storage, "sha256", side_effect=StorageUnavailable())
             if failure == "storage"
             else mock.patch.object(QuerySet, "update", side_effect=DatabaseError("gone")))

    with fails, pytest.raises((StorageUnavailable, DatabaseError)):
        services.file_complete(file=file)

    assert File.objects.get(pk=file.pk).status == File.Status.PENDING
    assert stored_keys() == {file.key}
    assert not StrayObject.objects.exists()


def unaccounted() -> set[str]:
    """Stored objects no record names: neither a file's nor a stray's."""
    named = {key for pair in File.objects.values_list("key", "upload_key") for key in pair}
    return stored_keys() - named - set(StrayObject.objects.values_list("key", flat=True))


@pytest.mark.parametrize(("failing", "s3_calls"), [
    ("storage", "before-call.s3"),  # every call once the copy is made
    ("database", "before-call.s3.DeleteObject"),  # marking the file, then deleting the copy
])
def test_a_complete_that_fails_after_the_copy_leaves_nothing_the_purge_does_not_find(
    s3, failing, s3_calls
):
    """The copy is made, then the service cannot go on nor delete it: it was recorded before
    it was made, so the purge deletes it once the request's time is up. Tried again,
    complete works and leaves the one copy."""
    file = FileFactory(sha256=sha256_hex(b"hello world"))
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world", ContentType=file.content_type)
    copied: list[bool] = []

    def unreachable(**_):
        if copied:
            raise EndpointConnectionError(endpoint_url=s3.meta.endpoint_url)

    database = (mock.patch.object(QuerySet, "update", side_effect=DatabaseError("gone"))
                if failing == "database" else contextlib.nullcontext())
    with on_s3_calls("after-call.s3.CopyObject", lambda **_: copied.append(True)), \
            on_s3_calls(s3_calls, unreachable), database, \
            pytest.raises((StorageUnavailable, DatabaseError)):
        services.file_complete(file=file)

    assert File.objects.get(pk=file.pk).status == File.Status.PENDING
    [copy] = StrayObject.objects.filter(kind="copy")
    assert copy.key.startswith("files/") and copy.key in stored_keys()
    assert unaccounted() == set()

    StrayObject.objects.update(writable_until=timezone.now() - dt.timedelta(seconds=1))
    call_command("files_purge_pending", stdout=StringIO())
    assert stored_keys() == {file.key} and not StrayObject.objects.exists()
    completed = services.file_complete(file=File.objects.get(pk=file.pk))
    assert stored_keys() == {completed.key} and not StrayObject.objects.exists()


def test_a_copy_left_by_an_earlier_attempt_goes_with_the_next_once_its_time_is_up(s3):
    """Another attempt's copy may still be in the making until its writable_until: kept."""
    file = FileFactory()
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world", ContentType=file.content_type)
    now = timezone.now()
    left, running = (StrayObject.objects.create(
        owner=file.owner, kind=StrayObject.Kind.COPY, size=file.size, writable_until=until,
        key=services.file_key(owner_id=file.owner_id, name=file.name),
    ) for until in (now - dt.timedelta(seconds=1), now + dt.timedelta(seconds=30)))
    for stray in (left, running):
        s3.put_object(Bucket=BUCKET, Key=stray.key, Body=b"hello world")

    completed = services.file_complete(file=file)

    assert stored_keys() == {completed.key, running.key}
    assert list(StrayObject.objects.all()) == [running]


def test_delete_keeps_object_and_record_when_the_database_fails(s3):
    file = FileFactory(uploaded=True)
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world")

    with mock.patch.object(File, "delete", side_effect=DatabaseError("gone")), \
            pytest.raises(DatabaseError):
        services.file_delete(file=file)

    assert File.objects.filter(pk=file.pk).exists()
    assert stored_keys() == {file.key}


def test_purge_deletes_stale_pending_uploads_and_their_objects(s3):
    day_ago = timezone.now() - dt.timedelta(hours=25)
    stale, recent = FileFactory(), FileFactory()
    done = FileFactory(uploaded=True)
    File.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=day_ago)
    for file in (stale, recent, done):
        s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world")
    out = StringIO()

    call_command("files_purge_pending", stdout=out)

    assert out.getvalue() == ("Purged 1 pending upload(s) older than 24 h.\n"
                              "Purged 0 stray object(s).\n")
    assert set(File.objects.values_list("pk", flat=True)) == {recent.pk, done.pk}
    assert stale.key.startswith("uploads/files/") and done.key.startswith("files/")
    assert stored_keys() == {recent.key, done.key}


def test_purge_keeps_records_whose_objects_cannot_be_deleted(s3, settings):
    stale = FileFactory()
    File.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    use_files_bucket(settings, "no-such-bucket")

    assert services.file_purge_pending(older_than=dt.timedelta(days=1)) == 0
    assert File.objects.filter(pk=stale.pk).exists()


def test_admin_lists_searches_and_deletes_through_the_service(client, local_files):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    file = FileFactory(owner=UserFactory(email="ava@example.com"), uploaded=True)
    path = local_files.joinpath(*file.key.split("/"))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"hello world")

    listing = client.get("/admin/files/file/", {"q": "ava@example"})
    change = client.get(f"/admin/files/file/{file.pk}/change/")
    deleted = client.post(f"/admin/files/file/{file.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and file.name in listing.content.decode()
    assert change.status_code == 200
    assert 'name="key"' not in change.content.decode()  # shown, not editable
    assert file.key in change.content.decode()
    assert deleted.status_code == 302
    assert not File.objects.filter(pk=file.pk).exists() and not path.exists()


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_purge_spares_an_upload_completed_while_it_waits(s3):
    file = FileFactory()
    File.objects.filter(pk=file.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world")
    locked, purged = threading.Event(), []

    def complete_slowly():
        try:
            with transaction.atomic():
                File.objects.select_for_update().get(pk=file.pk)
                locked.set()
                time.sleep(0.3)
                File.objects.filter(pk=file.pk).update(
                    status=File.Status.UPLOADED, uploaded_at=timezone.now(),
                    key=services.file_key(owner_id=file.owner_id, name=file.name),
                )
        finally:
            connection.close()

    def purge():
        try:
            locked.wait(5)
            purged.append(services.file_purge_pending(older_than=dt.timedelta(days=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=complete_slowly), threading.Thread(target=purge)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert purged == [0]
    assert File.objects.get(pk=file.pk).status == File.Status.UPLOADED
    assert stored_keys() == {file.key}
