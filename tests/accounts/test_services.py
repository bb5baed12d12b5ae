"""Users from claims (race-free, written only when something changed) and avatars."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from apps.accounts import services
from apps.accounts.errors import InvalidClaims
from apps.accounts.models import User
from apps.accounts.roles import Role, groups_from_claim
from apps.accounts.services import (
    user_avatar_delete,
    user_avatar_set,
    user_sync_from_claims,
)
from apps.core.models import PictureUpload
from tests.accounts.factories import UserFactory
from tests.core.test_pictures import picture_file, stored_files
from tests.core.uploads import avatar_upload


@pytest.mark.parametrize(("claim", "groups"), [
    (["organizer", "staff"], ["organizer", "staff"]),
    ("[organizer staff]", ["organizer", "staff"]),
    ("[admin]", ["admin"]),
    ('["staff","organizer"]', ["staff", "organizer"]),
    ("[]", []),
    ("", []),
    (None, []),
])
def test_groups_claim_as_a_list_or_as_api_gateway_flattens_it(claim, groups):
    assert groups_from_claim(claim) == groups


@pytest.mark.django_db
def test_first_request_makes_the_user_later_ones_follow_groups_and_email(
        django_assert_num_queries):
    claims = {"sub": "s-1", "email": "a@example.com", "cognito:groups": ["organizer"]}
    user = user_sync_from_claims(claims=claims)
    assert (user.cognito_sub, user.username, user.email, user.role) == (
        "s-1", "s-1", "a@example.com", Role.ORGANIZER)

    with django_assert_num_queries(1):
        assert user_sync_from_claims(claims=claims).pk == user.pk

    # An access token carries no email: the stored one stays.
    with django_assert_num_queries(2):
        again = user_sync_from_claims(claims={"sub": "s-1", "cognito:groups": "[admin]"})
    assert (again.role, again.email) == (Role.ADMIN, "a@example.com")
    user.refresh_from_db()
    assert (user.role, user.email, user.is_staff) == (Role.ADMIN, "a@example.com", False)

    user_sync_from_claims(claims={"sub": "s-1", "email": "b@example.com"})
    user.refresh_from_db()
    assert (user.role, user.email) == (Role.FAN, "b@example.com")


@pytest.mark.django_db
@pytest.mark.parametrize("sub", [None, "", 7, "x" * 65])
def test_claims_without_a_usable_sub_are_refused(sub):
    with pytest.raises(InvalidClaims):
        user_sync_from_claims(claims={"sub": sub})
    assert not User.objects.exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True) | st.text(st.characters(codec="utf-8"), max_size=400),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)


@pytest.mark.django_db
@hyp_settings(max_examples=60, deadline=None)
@given(claims=st.fixed_dictionaries({"sub": st.just("fuzzed-sub")}, optional={
    "email": json_values | st.text(min_size=250, max_size=300).map(lambda t: t + "@x.test"),
    "cognito:groups": json_values, "username": json_values, "cognito:username": json_values,
}))
def test_any_claims_make_a_user_or_are_refused_never_a_database_error(claims):
    """Whatever a signed token's other claims hold (any type, any length, any nesting), the
    user is made or the claims are refused as invalid: nothing the database would refuse
    (an email over 254 characters was a 500 for every request of that user)."""
    try:
        user = user_sync_from_claims(claims=claims)
    except InvalidClaims:
        return
    user.refresh_from_db()
    email = claims.get("email")
    fits = isinstance(email, str) and len(email) <= 254
    assert user.email in ((email,) if fits else ("", user.email))


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_make_one_user():
    claims = {"sub": "race-1", "email": "race@example.com", "cognito:groups": ["staff"]}
    workers = 6
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def first_request():
        try:
            barrier.wait(timeout=10)
            results.append(user_sync_from_claims(claims=claims).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_request) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1 and len(results) == workers
    assert User.objects.filter(cognito_sub="race-1").count() == 1


@pytest.mark.django_db
def test_replacing_and_deleting_an_avatar_removes_the_old_files(settings):
    user, other = UserFactory(), UserFactory()
    user_avatar_set(user=other, upload_id=avatar_upload(other, picture_file("PNG")))
    theirs = stored_files(settings)

    user_avatar_set(user=user, upload_id=avatar_upload(user, picture_file("JPEG", (300, 200))))
    first = (user.avatar, user.avatar_thumbnail)
    assert first[0].startswith(f"avatars/{user.pk}/")

    user_avatar_set(user=user, upload_id=avatar_upload(user, picture_file("WEBP", (200, 300))))
    user.refresh_from_db()
    assert (user.avatar, user.avatar_thumbnail) != first
    assert stored_files(settings) == sorted([*theirs, user.avatar, user.avatar_thumbnail])

    # The same picture again keeps its files.
    user_avatar_set(user=user, upload_id=avatar_upload(user, picture_file("WEBP", (200, 300))))
    assert stored_files(settings) == sorted([*theirs, user.avatar, user.avatar_thumbnail])

    user_avatar_delete(user=user)
    user.refresh_from_db()
    assert (user.avatar, user.avatar_thumbnail) == ("", "")
    assert stored_files(settings) == theirs


@pytest.mark.django_db
def test_a_failed_save_removes_the_new_files_and_keeps_the_old(settings, monkeypatch):
    user = UserFactory()
    user_avatar_set(user=user, upload_id=avatar_upload(user, picture_file("PNG")))
    before = stored_files(settings)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_swap_avatar", broken)
    upload_id = avatar_upload(user, picture_file("JPEG"))
    with pytest.raises(RuntimeError):
        user_avatar_set(user=user, upload_id=upload_id)
    assert stored_files(settings) == before
    # The upload was not used: it serves for another try.
    assert PictureUpload.objects.get(pk=upload_id).taken_at is None
