"""Rate limits per license key, per account and per client address, counted in the cache."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from apps.licensing.services import subscription_set
from apps.usage.counters import counters
from concert.api.throttling import RequestRateThrottle
from concert.config import ConfigError, login_rate, redis_cache, throttle_rates
from concert.lambda_handler import handler
from tests.accounts.factories import UserFactory
from tests.core.events import http_v2, lambda_context, rest_v1
from tests.core.test_settings import manage
from tests.licensing.factories import PlanFactory, make_key

WINDOW_START = 1_800_000_000  # a whole minute
DEAD_REDIS = "redis://127.0.0.1:9/0"


@pytest.fixture
def rates(settings):
    settings.THROTTLE_RATES = {"key": "2/min", "partner": "3/min", "user": "3/min",
                               "anon": "2/min", "auth_failure": "3/min"}
    return settings.THROTTLE_RATES


@pytest.fixture
def clock(monkeypatch):
    """The throttle's time, 30 s into a minute, so windows and Retry-After are exact."""
    now = [WINDOW_START + 30.0]
    monkeypatch.setattr(RequestRateThrottle, "timer", staticmethod(lambda: now[0]))
    return now


def key_client(raw: str) -> Client:
    return Client(headers={"X-Api-Key": raw})


def throttled(caller: str, limit: int, retry: int = 30) -> dict:
    return {"error": {
        "code": "throttled",
        "message": f"Too many requests from {caller}: the limit is {limit} per minute. "
                   f"Expected available in {retry} seconds.",
        "details": {},
    }}


@pytest.mark.django_db
def test_past_its_rate_an_account_gets_a_429_envelope_until_the_window_ends(
    rates, clock, user_client,
):
    statuses = [user_client.get("/api/v1/license-keys").status_code for _ in range(3)]
    refused = user_client.get("/api/v1/license-keys")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused.json() == throttled("this account", 3)
    someone_else = APIClient()
    someone_else.force_authenticate(UserFactory())
    assert someone_else.get("/api/v1/license-keys").status_code == 200

    clock[0] += 29
    assert user_client.get("/api/v1/license-keys")["Retry-After"] == "1"
    clock[0] += 1
    assert user_client.get("/api/v1/license-keys").status_code == 200


@pytest.mark.django_db
def test_each_key_has_its_own_rate_and_all_keys_of_an_account_share_one(
    rates, clock, user_client, user,
):
    raws = [make_key(user, scopes=["usage:read"], name=f"Feed {n}")[1] for n in range(3)]

    by_first_key = [key_client(raws[0]).get("/api/v1/usage") for _ in range(3)]
    by_second_key = [key_client(raws[1]).get("/api/v1/usage") for _ in range(2)]
    by_third_key = key_client(raws[2]).get("/api/v1/usage")
    by_owner = [user_client.get("/api/v1/usage").status_code for _ in range(4)]
    someone_elses_key = key_client(make_key(UserFactory(), scopes=["usage:read"])[1])

    assert [r.status_code for r in by_first_key] == [200, 200, 429]
    assert by_first_key[2].json() == throttled("this license key", 2)
    # The account's keys together: 2 by the first, then 1 by the second, then none.
    assert [r.status_code for r in by_second_key] == [200, 429]
    assert by_second_key[1].json() == throttled("this account's license keys", 3)
    assert by_third_key.status_code == 429
    assert by_owner == [200, 200, 200, 429]  # the keys' requests used none of the owner's
    assert someone_elses_key.get("/api/v1/usage").status_code == 200


@pytest.mark.django_db
def test_failed_authentications_are_limited_per_address_before_credentials_are_checked(
    rates, clock, user,
):
    _key, raw = make_key(user, scopes=["usage:read"])
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    guesses = [attacker.get("/api/v1/usage", HTTP_X_API_KEY=f"ck_live_{n:012d}_guess")
               for n in range(3)]
    bad_token = attacker.get("/api/v1/usage", HTTP_AUTHORIZATION="Bearer a.b.c")
    right_key = attacker.get("/api/v1/usage", HTTP_X_API_KEY=raw)
    anonymous = attacker.get("/api/v1/events")
    elsewhere = Client(REMOTE_ADDR="198.51.100.8").get("/api/v1/usage", HTTP_X_API_KEY=raw)

    assert [r.status_code for r in guesses] == [401, 401, 401]
    assert (bad_token.status_code, bad_token["Retry-After"]) == (429, "30")
    assert bad_token.json() == throttled("this address with failed authentications", 3)
    assert right_key.status_code == 429  # refused before the key was looked at
    assert anonymous.status_code == 200  # callers without credentials are not affected
    assert elsewhere.status_code == 200
    clock[0] += 30
    assert attacker.get("/api/v1/usage", HTTP_X_API_KEY=raw).status_code == 200


@pytest.mark.django_db
def test_picture_uploads_have_their_own_rate_per_account(settings, clock, user_client, user):
    from tests.core.test_pictures import picture_file
    from tests.core.uploads import upload_picture

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "picture": "2/min"}
    someone_else = APIClient()
    someone_else.force_authenticate(UserFactory())
    # Asking for uploads and posting them is not decoding: only taking them counts.
    mine = [upload_picture(user_client, "/api/v1/me/avatar/uploads", picture_file("PNG"))
            for _ in range(3)]
    their_upload = upload_picture(someone_else, "/api/v1/me/avatar/uploads", picture_file())

    uploads = [user_client.put("/api/v1/me/avatar", {"upload": upload}, format="json")
               for upload in mine]
    reads = [user_client.get("/api/v1/me").status_code for _ in range(3)]
    theirs = someone_else.put("/api/v1/me/avatar", {"upload": their_upload}, format="json")

    assert [r.status_code for r in uploads] == [200, 200, 429]
    assert uploads[2].json() == throttled("this account's picture uploads", 2)
    assert reads == [200] * 3 and theirs.status_code == 200


@pytest.mark.django_db
def test_anonymous_callers_count_per_address_whatever_x_forwarded_for_says(rates, clock):
    caller = Client(REMOTE_ADDR="198.51.100.7")

    responses = [caller.get("/api/v1/events", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
                 for n in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[2].json() == throttled("this address", 2)
    assert responses[2]["Retry-After"] == "30"
    assert Client(REMOTE_ADDR="198.51.100.8").get("/api/v1/events").status_code == 200


@pytest.mark.django_db
def test_ipv6_callers_count_per_64_block(settings, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon": "1/min"}

    first = Client(REMOTE_ADDR="2001:db8:1:2::5").get("/api/v1/events")
    same_block = Client(REMOTE_ADDR="2001:db8:1:2:ffff::1").get("/api/v1/events")
    next_block = Client(REMOTE_ADDR="2001:db8:1:3::5").get("/api/v1/events")

    assert [first.status_code, same_block.status_code, next_block.status_code] == [200, 429, 200]


def lambda_request_from(event_kind: str, spoofed: str) -> dict:
    """An anonymous catalogue read from 203.0.113.9 whose X-Forwarded-For claims `spoofed`."""
    if event_kind == "http_v2":
        return http_v2("GET", "/api/v1/events", headers={"x-forwarded-for": spoofed})
    event = rest_v1("GET", "/api/v1/events")
    # API Gateway appends the source IP; apig-wsgi makes the first entry REMOTE_ADDR.
    event["multiValueHeaders"]["X-Forwarded-For"] = [f"{spoofed}, 203.0.113.9"]
    return event


@pytest.mark.django_db(transaction=True)  # the handler closes connections between requests
@pytest.mark.parametrize("event_kind", ["http_v2", "rest_v1"])
def test_behind_api_gateway_the_bucket_is_the_source_ip_of_the_request_context(
    rates, clock, event_kind,
):
    statuses = [handler(lambda_request_from(event_kind, f"192.0.2.{n}"),
                        lambda_context())["statusCode"] for n in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_a_request_refused_by_the_rate_is_neither_metered_nor_counted_in_the_quota(
    rates, clock, user_client, user, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        subscription_set(user=user, plan=PlanFactory(name="four", daily_quota=4))

    first_window = [user_client.get("/api/v1/license-keys").status_code for _ in range(5)]
    clock[0] += 60
    fourth_of_the_day = user_client.get("/api/v1/license-keys")
    past_the_quota = user_client.get("/api/v1/license-keys")

    assert first_window == [200, 200, 200, 429, 429]
    assert fourth_of_the_day.status_code == 200
    assert past_the_quota.status_code == 429
    assert past_the_quota.json()["error"]["code"] == "quota_exceeded"
    metered = counters().day_totals(day=timezone.now().date(), user_id=user.pk)
    assert metered == {(None, "license-keys"): 5}  # 4 served, 1 refused by the quota


@pytest.mark.django_db
def test_an_empty_rate_is_no_limit(settings, user_client):
    settings.THROTTLE_RATES = throttle_rates(key="1/min", user="", anon="1/min")

    statuses = {user_client.get("/api/v1/license-keys").status_code for _ in range(5)}

    assert statuses == {200}


def test_rates_are_checked_at_start_up():
    assert throttle_rates(key="10/s", user="", anon="5000/day") == {
        "key": "10/s", "user": None, "anon": "5000/day"}
    with pytest.raises(ConfigError, match="THROTTLE_ANON_RATE must be a rate like 120/min"):
        throttle_rates(anon="60 per minute")

    assert login_rate("5/15m") == "5/15m"
    with pytest.raises(ConfigError, match="ADMIN_LOGIN_RATE must be a rate like 5/15m"):
        login_rate("5 per 15 minutes")

    result = manage("check", env={"THROTTLE_USER_RATE": "0/min"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "configuration error: THROTTLE_USER_RATE must be a rate like 120/min "
        "(per s, min, hour or day) or empty, not '0/min'"
    ]


def anonymous_request(address: str = "198.51.100.7") -> Request:
    return Request(APIRequestFactory().get("/api/v1/events", REMOTE_ADDR=address))


def admitted(request: Request) -> bool:
    try:
        return RequestRateThrottle().allow_request(request, None)
    except Throttled:
        return False


@pytest.mark.parametrize("store", [pytest.param("redis", marks=pytest.mark.redis), "locmem"])
def test_concurrent_requests_admit_exactly_the_rate(settings, clock, store):
    if store == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert django_settings.CACHES["default"]["BACKEND"].startswith(
        "django_redis." if store == "redis" else "django.core.cache.backends.locmem.")
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon": "25/min"}
    callers = 80
    start = threading.Barrier(callers)

    def attempt(_: int) -> bool:
        request = anonymous_request()
        start.wait()
        return admitted(request)

    with ThreadPoolExecutor(max_workers=callers) as pool:
        results = list(pool.map(attempt, range(callers)))

    assert results.count(True) == 25


@pytest.mark.django_db
def test_with_redis_unreachable_requests_are_let_through_and_logged(
    settings, rates, clock, user_client, user, caplog,
):
    settings.CACHES = {"default": redis_cache(DEAD_REDIS)}

    with caplog.at_level(logging.WARNING, logger="concert.api.throttling"):
        statuses = [user_client.get("/api/v1/license-keys").status_code for _ in range(5)]

    assert statuses == [200] * 5
    window = (WINDOW_START + 30) // 60
    assert [r.getMessage() for r in caplog.records if r.name == "concert.api.throttling"] == [
        f"rate limit not checked for throttle:user:{user.pk}:{window}: "
        "the cache did not answer"] * 5


def test_redis_errors_let_the_request_through_even_when_the_cache_raises_them(
    settings, rates, clock, monkeypatch, caplog,
):
    from django_redis.cache import RedisCache

    settings.DJANGO_REDIS_IGNORE_EXCEPTIONS = False
    config = redis_cache(DEAD_REDIS)
    monkeypatch.setattr(RequestRateThrottle, "cache", RedisCache(config["LOCATION"], config))

    with caplog.at_level(logging.WARNING, logger="concert.api.throttling"):
        results = [admitted(anonymous_request()) for _ in range(3)]

    assert results == [True] * 3
    window = (WINDOW_START + 30) // 60
    prefix = f"rate limit not checked for throttle:anon:198.51.100.7:{window}: "
    # The first call meets the dead server; the cache's circuit breaker skips the next ones.
    assert [r.getMessage() for r in caplog.records if r.name == "concert.api.throttling"] == [
        f"{prefix}Error 111 connecting to 127.0.0.1:9. Connection refused.",
        *[f"{prefix}Redis at 127.0.0.1:9 is skipped for a while after a failure"] * 2]
