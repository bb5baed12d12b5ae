"""Uploads as clients make them: the presigned POST form, to S3 (moto's server) or to the
local stand-in; and picture uploads asked for, posted and named."""

from __future__ import annotations

import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client


def post_form(upload: dict, content: bytes, filename: str = "setlist.pdf", **field_overrides):
    """Posts the returned form the way a browser would: the fields, then the file part."""
    fields = {**upload["fields"], **field_overrides}
    if upload["url"].startswith("http://testserver/"):
        form = {**fields, "file": SimpleUploadedFile(filename, content)}
        return Client().post(upload["url"], form).status_code
    return requests.post(upload["url"], data=fields, files={"file": (filename, content)},
                         timeout=30).status_code


def content_of(picture) -> bytes:
    return picture if isinstance(picture, bytes) else picture.read()


def ask_upload(client, url: str, content_type: str = "image/png") -> dict:
    response = client.post(url, {"content_type": content_type}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def upload_picture(client, url: str, picture, content_type: str = "image/png") -> str:
    """Asks `url` (`.../uploads`) for an upload, posts `picture` to it; answers its id."""
    body = ask_upload(client, url, content_type)
    assert post_form(body["upload"], content_of(picture), filename="picture") == 204
    return body["id"]


def posted(created, picture) -> str:
    """The id of an upload a service created (upload, form), its object written directly."""
    upload, _ = created
    storages["files"].save(upload.key, ContentFile(content_of(picture)))
    return upload.pk


def avatar_upload(user, picture) -> str:
    """The id of an avatar upload of `user` holding `picture`."""
    from apps.accounts.services import user_avatar_upload_create

    return posted(user_avatar_upload_create(user=user, content_type="image/png"), picture)
