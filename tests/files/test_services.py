"""Files services: keys, deletion when the database fails, the purge of stale uploads, admin."""

from __future__ import annotations

import datetime as dt
import threading
import time
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.files import services
from apps.files.models import File
from tests.accounts.factories import UserFactory
from tests.conftest import BUCKET, use_files_bucket
from tests.files.factories import FileFactory

pytestmark = pytest.mark.django_db


def test_keys_are_per_user_unguessable_and_safe():
    first = services.file_key(owner_id=7, name="Résumé final (v2).pdf")
    second = services.file_key(owner_id=7, name="Résumé final (v2).pdf")

    prefix, owner, token, name = first.split("/")
    assert (prefix, owner, name) == ("files", "7", "Resume_final_v2_.pdf")
    assert len(token) >= 22 and first != second
    assert services.file_key(owner_id=7, name="..").endswith("/file")
    assert len(services.file_key(owner_id=7, name="x" * 255).rsplit("/", 1)[1]) == 100


def stored(s3, file: File) -> bool:
    return s3.list_objects_v2(Bucket=BUCKET, Prefix=file.key).get("KeyCount", 0) == 1


def test_delete_keeps_object_and_record_when_the_database_fails(s3):
    file = FileFactory(uploaded=True)
    s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world")

    with mock.patch.object(File, "delete", side_effect=DatabaseError("gone")), \
            pytest.raises(DatabaseError):
        services.file_delete(file=file)

    assert File.objects.filter(pk=file.pk).exists()
    assert stored(s3, file)


def test_purge_deletes_stale_pending_uploads_and_their_objects(s3):
    day_ago = timezone.now() - dt.timedelta(hours=25)
    stale, recent = FileFactory(), FileFactory()
    done = FileFactory(uploaded=True)
    File.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=day_ago)
    for file in (stale, recent, done):
        s3.put_object(Bucket=BUCKET, Key=file.key, Body=b"hello world")
    out = StringIO()

    call_command("files_purge_pending", stdout=out)

    assert out.getvalue() == "Purged 1 pending upload(s) older than 24 h.\n"
    assert set(File.objects.values_list("pk", flat=True)) == {recent.pk, done.pk}
    assert [stored(s3, f) for f in (stale, recent, done)] == [False, True, True]


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
                    status=File.Status.UPLOADED, uploaded_at=timezone.now()
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
    assert stored(s3, file)
