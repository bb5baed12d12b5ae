"""The user admin: operators find users by email or sub, filter by role, see avatars."""

from __future__ import annotations

import pytest

from apps.accounts.services import user_avatar_set
from tests.accounts.factories import UserFactory
from tests.core.test_pictures import picture_file
from tests.core.uploads import avatar_upload
from tests.licensing.factories import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = UserFactory(is_staff=True, is_superuser=True, cognito_sub=None)
    client.force_login(operator)
    return client


def test_users_are_found_by_email_and_sub_and_filtered_by_role(operator_client):
    ana = UserFactory(email="ana@example.com", organizer=True)
    bob = UserFactory(cognito_sub="sub-bob")
    url = "/admin/accounts/user/"

    def listed(**params):
        response = operator_client.get(url, params)
        assert response.status_code == 200
        return {user.pk for user in response.context["cl"].result_list}

    assert listed(q="ana@example") == {ana.pk}
    assert listed(q="sub-bob") == {bob.pk}
    assert listed(role__exact="organizer") == {ana.pk}


def test_change_page_shows_the_avatar_and_keeps_cognito_roles_read_only(operator_client):
    user = UserFactory(staff=True)
    user_avatar_set(user=user, upload_id=avatar_upload(user, picture_file("PNG")))
    response = operator_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="/media/{user.avatar_thumbnail}"' in html
    assert 'name="role"' not in html
    assert 'name="is_active"' in html


def test_api_roles_do_not_open_the_admin(client):
    client.force_login(UserFactory(admin=True))
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302


def test_admin_sign_in_locks_an_address_out_after_five_failures(client):
    from django.test import Client

    UserFactory(username="ops", password="right-password-1", is_staff=True, is_superuser=True,
                cognito_sub=None)
    attacker = Client(REMOTE_ADDR="198.51.100.7")

    def sign_in(who: Client, password: str):
        return who.post("/admin/login/?next=/admin/",
                        {"username": "ops", "password": password})

    failures = [sign_in(attacker, f"guess-{n}").status_code for n in range(5)]
    locked = sign_in(attacker, "right-password-1")
    elsewhere = sign_in(Client(REMOTE_ADDR="198.51.100.8"), "right-password-1")

    assert failures == [200] * 5  # the form again, with its error
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= 15 * 60
    assert locked.json() == {"error": {
        "code": "login_locked",
        "message": "Too many failed sign-ins from this address; try again when Retry-After "
                   "says.",
        "details": {}}}
    assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/admin/")


@pytest.mark.redis
@pytest.mark.parametrize("outage", ["down", "hung"])
def test_admin_sign_in_fails_closed_when_its_counter_is_unavailable(settings, hung_redis, caplog,
                                                                    outage):
    import logging

    from django.test import Client

    from concert.config import redis_cache

    UserFactory(username="ops", password="right-password-1", is_staff=True, is_superuser=True,
                cognito_sub=None)
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    working = settings.CACHES
    url = "redis://127.0.0.1:1/0" if outage == "down" else hung_redis[0]
    settings.CACHES = {"default": redis_cache(url), "strict": redis_cache(url, strict=True)}

    def sign_in(password: str):
        return attacker.post("/admin/login/?next=/admin/",
                             {"username": "ops", "password": password})

    with caplog.at_level(logging.WARNING, logger="apps.accounts.login_throttle"):
        # The first call times out (hung) and opens the circuit breaker; the rest are skipped.
        answers = [sign_in(f"guess-{n}") for n in range(7)] + [sign_in("right-password-1")]

    assert {(r.status_code, r["Retry-After"]) for r in answers} == {(503, "30")}
    assert answers[-1].json() == {"error": {
        "code": "login_unavailable",
        "message": "Sign-in is unavailable for a moment (its attempts can't be counted); try "
                   "again when Retry-After says.",
        "details": {}}}
    assert "_auth_user_id" not in attacker.session
    assert caplog.messages.count("admin sign-in from 198.51.100.7 refused: its failed sign-ins "
                                 "could not be read (cache unavailable)") == 8

    settings.CACHES = working
    assert sign_in("right-password-1").status_code == 302


def test_an_operator_lowering_a_role_revokes_the_keys_made_with_it(operator_client):
    organizer = UserFactory(organizer=True, cognito_sub=None)
    key, _ = make_key(owner=organizer)
    assert key.role == "organizer"

    response = operator_client.post(f"/admin/accounts/user/{organizer.pk}/change/", {
        "username": organizer.username, "email": organizer.email, "role": "fan",
        "is_active": "on", "display_name": "", "bio": ""})

    assert response.status_code == 302
    organizer.refresh_from_db()
    key.refresh_from_db()
    assert organizer.role == "fan"
    assert key.revoked_at is not None


def test_an_operator_renaming_an_organizer_retires_the_public_pages(
    operator_client, django_capture_on_commit_callbacks,
):
    from django.test import Client

    from tests.events.factories import EventFactory

    event = EventFactory()
    organizer = event.organizer
    public = Client()
    assert public.get("/api/v1/events").json()["results"][0]["organizer"]["display_name"] == (
        organizer.display_name)

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(f"/admin/accounts/user/{organizer.pk}/change/", {
            "username": organizer.username, "email": organizer.email, "role": "organizer",
            "is_active": "on", "display_name": "Renamed by ops", "bio": ""})

    assert response.status_code == 302
    assert public.get("/api/v1/events").json()["results"][0]["organizer"]["display_name"] == (
        "Renamed by ops")
