"""/api/v1/me and its avatar; the dev issuer's JWKS route."""

from __future__ import annotations

import io
from types import SimpleNamespace

import jwt
import pytest
from django.urls import clear_url_caches
from PIL import Image

from apps.accounts.dev_issuer import dev_token_mint
from apps.accounts.roles import Role
from apps.core.pictures import picture_url
from tests.accounts.factories import UserFactory
from tests.core.test_pictures import picture_file, stored_files
from tests.core.uploads import upload_picture

pytestmark = pytest.mark.django_db

ME, AVATAR, UPLOADS = "/api/v1/me", "/api/v1/me/avatar", "/api/v1/me/avatar/uploads"


def me_body(user, **overrides):
    body = {
        "id": user.pk, "sub": user.cognito_sub, "email": user.email, "role": user.role,
        "display_name": user.display_name, "bio": user.bio, "avatar": None,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
    }
    return {**body, **overrides}


def test_get_me(user_client, user):
    response = user_client.get(ME)
    assert response.status_code == 200
    assert response.json() == me_body(user)


def test_patch_changes_the_profile_only(user_client, user):
    response = user_client.patch(ME, {
        "display_name": "Ana Live", "bio": "Drums.",
        "role": Role.ADMIN, "email": "boss@example.com", "sub": "someone-else",
        "cognito_sub": "someone-else", "is_staff": True, "is_superuser": True, "id": 999,
        "avatar": "avatars/1/x.jpg",
    }, format="json")

    assert response.status_code == 200
    assert response.json() == me_body(user, display_name="Ana Live", bio="Drums.")
    user.refresh_from_db()
    assert (user.role, user.email, user.is_staff, user.is_superuser, user.avatar) == (
        Role.FAN, f"{user.username}@example.com", False, False, "")


def test_patch_refuses_invalid_fields(user_client):
    response = user_client.patch(ME, {"display_name": "x" * 81}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid", "message": "The request has invalid fields.",
        "details": {"display_name": ["Ensure this field has no more than 80 characters."]},
    }}


def test_me_needs_authentication(api_client):
    for response in (api_client.get(ME), api_client.patch(ME, {}, format="json"),
                     api_client.put(AVATAR), api_client.delete(AVATAR)):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="concert"'
        assert response.json()["error"]["code"] == "not_authenticated"


def test_license_keys_do_not_reach_the_profile(api_client, user):
    api_client.force_authenticate(user, token=SimpleNamespace(scopes={"events:read"}))
    for response in (api_client.get(ME), api_client.patch(ME, {"bio": "x"}, format="json"),
                     api_client.delete(AVATAR)):
        assert response.status_code == 403
        assert response.json() == {"error": {
            "code": "permission_denied",
            "message": "The license key does not hold the scope this endpoint needs.",
            "details": {},
        }}


def set_avatar(client, picture):
    upload = upload_picture(client, UPLOADS, picture)
    return client.put(AVATAR, {"upload": upload}, format="json")


def test_avatar_upload_replace_and_delete(user_client, user, settings):
    other = UserFactory()
    other_client = type(user_client)()
    other_client.force_authenticate(other)
    set_avatar(other_client, picture_file("PNG"))
    theirs = stored_files(settings)

    response = set_avatar(user_client, picture_file("JPEG", (800, 600)))
    assert response.status_code == 200
    user.refresh_from_db()
    assert response.json() == me_body(user, avatar={
        "url": f"/media/{user.avatar}", "thumbnail_url": f"/media/{user.avatar_thumbnail}",
    })
    served = user_client.get(response.json()["avatar"]["thumbnail_url"])
    assert served.status_code == 200
    thumbnail = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert thumbnail.size == (320, 240)

    old = stored_files(settings)
    response = set_avatar(user_client, picture_file("PNG", (50, 50)))
    assert response.status_code == 200
    user.refresh_from_db()
    assert stored_files(settings) == sorted([*theirs, user.avatar, user.avatar_thumbnail])
    assert all(user_client.get(picture_url(name)).status_code == 404
               for name in set(old) - set(theirs))

    response = user_client.delete(AVATAR)
    assert (response.status_code, response.content) == (204, b"")
    assert user_client.get(ME).json()["avatar"] is None
    assert stored_files(settings) == theirs
    other.refresh_from_db()
    assert other.avatar in theirs


@pytest.mark.parametrize(("upload", "message"), [
    (lambda: picture_file("GIF"), "The file is not a JPEG, PNG or WebP picture."),
    (lambda: picture_file("JPEG", (120, 100)), "The picture has more than 10000 pixels."),
    (lambda: b"just text", "The file is not a JPEG, PNG or WebP picture."),
])
def test_bad_avatar_is_400_and_the_old_one_stays(user_client, user, settings, upload, message):
    set_avatar(user_client, picture_file("PNG", (20, 20)))
    before = stored_files(settings)
    settings.PICTURE_MAX_PIXELS = 10_000

    response = set_avatar(user_client, upload())

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_picture", "message": message,
                                         "details": {}}}
    assert stored_files(settings) == before
    user.refresh_from_db()
    assert sorted([user.avatar, user.avatar_thumbnail]) == before


def test_avatar_names_an_upload_in_json(user_client):
    response = user_client.put(AVATAR, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid", "message": "The request has invalid fields.",
        "details": {"upload": ["This field is required."]},
    }}
    response = user_client.put(AVATAR, {"file": picture_file()}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    response = user_client.post(UPLOADS, {"content_type": "image/gif"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "content_type": ['"image/gif" is not a valid choice.']}


def test_dev_jwks_publishes_the_key_that_verifies_minted_tokens(api_client):
    response = api_client.get("/api/v1/dev/jwks.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")

    token = dev_token_mint(email="dev@example.com", groups=["organizer"], sub="dev-9")
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"],
                        audience="concert-dev-client", issuer="concert-dev")
    assert (claims["sub"], claims["cognito:groups"], claims["token_use"]) == (
        "dev-9", ["organizer"], "id")


def test_dev_jwks_does_not_exist_in_production_mode(api_client, settings):
    settings.JWT_DEV_ISSUER = False
    clear_url_caches()
    response = api_client.get("/api/v1/dev/jwks.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
