"""License key endpoints, partner requests with X-Api-Key, and the admin pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.licensing.models import LicenseKey
from apps.licensing.services import license_key_revoke
from tests.accounts.factories import UserFactory
from tests.licensing.factories import PlanFactory, make_key
from tests.tickets.factories import make_order

pytestmark = pytest.mark.django_db


def body(key: LicenseKey, **changes) -> dict:
    return {
        "id": key.pk, "name": key.name, "prefix": key.prefix, "scopes": key.scopes,
        "plan": key.plan.name if key.plan else None, "is_active": key.is_active,
        "created_at": key.created_at.isoformat().replace("+00:00", "Z"),
        "expires_at": key.expires_at and key.expires_at.isoformat().replace("+00:00", "Z"),
        "last_used_at": None, "revoked_at": None, "rotated_from": None, **changes,
    }


def error(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def test_create_shows_the_key_once_and_stores_only_its_hash(user_client, user):
    expires = timezone.now() + timedelta(days=90)
    response = user_client.post("/api/v1/license-keys", {
        "name": "Ticket shop", "scopes": ["tickets:read", "events:read"],
        "expires_at": expires.isoformat(),
    }, format="json")

    assert response.status_code == 201
    key = LicenseKey.objects.get(owner=user)
    raw = response.json()["key"]
    assert raw.startswith(f"ck_live_{key.prefix}_")
    assert response.json() == {**body(key), "key": raw}
    assert key.scopes == ["events:read", "tickets:read"]
    assert raw not in str(LicenseKey.objects.values().get())

    listed = user_client.get("/api/v1/license-keys").json()
    detail = user_client.get(f"/api/v1/license-keys/{key.pk}").json()
    assert listed["results"] == [body(key)] and detail == body(key)


@pytest.mark.parametrize(("payload", "details"), [
    ({"name": "x", "scopes": ["events:read", "root"]},
     {"scopes": {"1": ['"root" is not a valid choice.']}}),
    ({"name": "x", "scopes": []}, {"scopes": ["This list may not be empty."]}),
    ({"name": "x", "scopes": ["files:read", "files:read"]},
     {"scopes": ["List each scope once."]}),
    ({"name": "x", "scopes": "events:read"},
     {"scopes": ['Expected a list of items but got type "str".']}),
    ({"name": "", "scopes": ["events:read"], "expires_at": "2001-01-01T00:00:00Z"},
     {"name": ["This field may not be blank."],
      "expires_at": ["The expiry must be in the future."]}),
])
def test_invalid_keys_are_refused_with_field_messages(user_client, payload, details):
    response = user_client.post("/api/v1/license-keys", payload, format="json")

    assert response.status_code == 400
    assert response.json() == error("invalid", "The request has invalid fields.", details)
    assert not LicenseKey.objects.exists()


def test_list_is_paginated_newest_first_without_n_plus_one(
    user_client, user, django_assert_num_queries,
):
    plan = PlanFactory(name="feeds")
    keys = [make_key(user, name=f"k{i}", plan=plan)[0] for i in range(3)]
    make_key(UserFactory())

    # The count, the page with its plans, and the quota's plan lookup.
    with django_assert_num_queries(3):
        response = user_client.get("/api/v1/license-keys", {"page_size": 2})

    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "next": "http://testserver/api/v1/license-keys?page=2&page_size=2",
        "previous": None,
        "results": [body(keys[2]), body(keys[1])],
    }


def test_revoke_and_rotate(user_client, user):
    key, _raw = make_key(user)

    rotated = user_client.post(f"/api/v1/license-keys/{key.pk}/rotate")
    assert rotated.status_code == 201
    successor = LicenseKey.objects.get(rotated_from=key)
    assert rotated.json() == {**body(successor, rotated_from=key.pk),
                              "key": rotated.json()["key"]}
    key.refresh_from_db()
    assert key.revoked_at is not None

    again = user_client.post(f"/api/v1/license-keys/{key.pk}/rotate")
    assert again.status_code == 409
    assert again.json() == error(
        "license_key_inactive", "The license key is revoked or expired; create a new one instead.")

    revoked = user_client.post(f"/api/v1/license-keys/{successor.pk}/revoke")
    successor.refresh_from_db()
    assert revoked.status_code == 200
    assert revoked.json() == body(
        successor, is_active=False, rotated_from=key.pk,
        revoked_at=successor.revoked_at.isoformat().replace("+00:00", "Z"))


@pytest.mark.parametrize(("method", "suffix"), [
    ("get", ""), ("post", "/revoke"), ("post", "/rotate"),
])
def test_other_accounts_keys_are_not_found(user_client, method, suffix):
    key, _raw = make_key(UserFactory())

    response = getattr(user_client, method)(f"/api/v1/license-keys/{key.pk}{suffix}")

    assert response.status_code == 404
    assert response.json() == error("not_found", "No such license key.")
    key.refresh_from_db()
    assert key.is_active


def test_anonymous_requests_are_refused(api_client):
    response = api_client.get("/api/v1/license-keys")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def key_client(raw: str) -> Client:
    return Client(headers={"X-Api-Key": raw})


def test_a_key_cannot_manage_keys(user):
    key, raw = make_key(user, scopes=["events:read", "events:write", "usage:read"])

    for response in (
        key_client(raw).get("/api/v1/license-keys"),
        key_client(raw).post("/api/v1/license-keys", {"name": "x", "scopes": ["usage:read"]},
                             content_type="application/json"),
        key_client(raw).post(f"/api/v1/license-keys/{key.pk}/rotate"),
    ):
        assert response.status_code == 403
        assert response.json() == error(
            "permission_denied", "The license key does not hold the scope this endpoint needs.")
    assert LicenseKey.objects.count() == 1


def test_a_key_reaches_what_its_scopes_allow_and_records_its_use(user):
    reader, reader_raw = make_key(user, scopes=["usage:read"])
    _, other_raw = make_key(user, scopes=["events:read"])

    allowed = key_client(reader_raw).get("/api/v1/usage")
    refused = key_client(other_raw).get("/api/v1/usage")

    assert allowed.status_code == 200
    assert allowed.json()["user"] == user.pk and allowed.json()["license_key"] == reader.pk
    assert refused.status_code == 403
    reader.refresh_from_db()
    assert reader.last_used_at is not None


@pytest.mark.parametrize(("spoil", "code", "message"), [
    (lambda key, raw: raw[:-2] + "xx", "invalid_license_key", "The license key is not valid."),
    (lambda key, raw: "not-a-key", "invalid_license_key", "The license key is not valid."),
    (lambda key, raw: license_key_revoke(key=key) and raw, "license_key_revoked",
     "The license key has been revoked."),
    (lambda key, raw: LicenseKey.objects.filter(pk=key.pk).update(
        expires_at=timezone.now()) and raw, "license_key_expired", "The license key has expired."),
])
def test_bad_keys_get_a_401_challenge(user, spoil, code, message):
    key, raw = make_key(user, scopes=["usage:read"])

    response = key_client(spoil(key, raw)).get("/api/v1/usage")

    assert response.status_code == 401
    assert response.json() == error(code, message)
    assert response["WWW-Authenticate"]


def test_admin_lists_keys_never_shows_the_hash_and_revokes(user):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    key, raw = make_key(user)
    client = Client()
    client.force_login(admin_user)

    listing = client.get("/admin/licensing/licensekey/")
    form = client.get(f"/admin/licensing/licensekey/{key.pk}/change/")
    assert listing.status_code == form.status_code == 200
    assert key.prefix in listing.content.decode()
    for page in (listing, form):
        assert key.key_hash not in page.content.decode() and raw not in page.content.decode()
    assert client.get("/admin/licensing/licensekey/add/").status_code == 403

    client.post("/admin/licensing/licensekey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    for url in ("/admin/licensing/plan/", "/admin/licensing/subscription/",
                "/admin/usage/usageday/", "/admin/usage/usageflush/"):
        assert client.get(url).status_code == 200, url


# What a key may do: never more than its owner now may, nor what only staff may -----------


def test_a_staff_members_key_reaches_none_of_the_staff_powers():
    staff = UserFactory(staff=True)
    _key, raw = make_key(staff, scopes=["tickets:read", "events:write"])
    others_order = make_order()
    event = others_order.event
    jwt = APIClient()
    jwt.force_authenticate(staff)  # the same account with its token: the control

    assert jwt.get(f"/api/v1/orders/{others_order.pk}").status_code == 200
    assert jwt.get(f"/api/v1/events/{event.pk}/sales").status_code == 200
    by_key = key_client(raw)
    order = by_key.get(f"/api/v1/orders/{others_order.pk}")
    sales = by_key.get(f"/api/v1/events/{event.pk}/sales")
    cancel = by_key.post(f"/api/v1/events/{event.pk}/cancel")

    assert (order.status_code, order.json()["error"]["code"]) == (404, "not_found")
    assert (sales.status_code, sales.json()["error"]["code"]) == (403, "permission_denied")
    assert cancel.status_code == 403, cancel.json()
    event.refresh_from_db()
    assert event.status == "published"
    assert LicenseKey.objects.get().role == "organizer"


def test_a_key_acts_with_its_owners_current_role_when_that_is_lower():
    organizer = UserFactory(organizer=True)
    _key, raw = make_key(organizer, scopes=["events:read", "events:write"])
    type(organizer).objects.filter(pk=organizer.pk).update(role="fan")

    response = key_client(raw).post("/api/v1/events", {"title": "Mine"},
                                    content_type="application/json")

    assert response.status_code == 403


def test_losing_a_role_at_sign_in_revokes_the_keys_made_with_it():
    from apps.accounts.services import user_sync_from_claims

    organizer = UserFactory(organizer=True)
    organizer_key, raw = make_key(organizer, scopes=["usage:read"])
    claims = {"sub": organizer.cognito_sub, "cognito:groups": []}
    type(organizer).objects.filter(pk=organizer.pk).update(role="fan")
    fan_key, fan_raw = make_key(organizer, scopes=["usage:read"], name="After")
    type(organizer).objects.filter(pk=organizer.pk).update(role="organizer")

    user_sync_from_claims(claims=claims)

    organizer_key.refresh_from_db()
    fan_key.refresh_from_db()
    assert organizer_key.revoked_at is not None and fan_key.revoked_at is None
    assert key_client(raw).get("/api/v1/usage").json()["error"]["code"] == "license_key_revoked"
    assert key_client(fan_raw).get("/api/v1/usage").status_code == 200


def test_keys_expire_after_their_plans_lifetime_by_default(user_client, user):
    from apps.licensing.services import subscription_set

    made = user_client.post("/api/v1/license-keys", {"name": "Feed", "scopes": ["usage:read"]},
                            format="json")
    subscription_set(user=user, plan=PlanFactory(name="week", key_lifetime_days=7))
    weekly = user_client.post("/api/v1/license-keys", {"name": "Feed", "scopes": ["usage:read"]},
                              format="json")
    too_long = user_client.post("/api/v1/license-keys", {
        "name": "Feed", "scopes": ["usage:read"],
        "expires_at": (timezone.now() + timedelta(days=8)).isoformat()}, format="json")

    first, second = LicenseKey.objects.order_by("pk")
    assert made.status_code == weekly.status_code == 201
    assert abs(first.expires_at - (first.created_at + timedelta(days=90))) < timedelta(seconds=5)
    assert abs(second.expires_at - (second.created_at + timedelta(days=7))) < timedelta(seconds=5)
    assert too_long.status_code == 400
    assert list(too_long.json()["error"]["details"]) == ["expires_at"]
    assert too_long.json()["error"]["details"]["expires_at"][0].startswith(
        "Must be within 7 days (the plan's key lifetime)")
