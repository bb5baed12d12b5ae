"""Flushing the hot counters to UsageDay rows: exactly once, across crashes and in parallel."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from apps.usage.counters import counters
from apps.usage.metering import Subject
from apps.usage.models import UsageDay, UsageFlush
from apps.usage.services import usage_flush, usage_record
from concert.config import redis_cache
from concert.lambda_handler import run_management_command
from tests.accounts.factories import UserFactory
from tests.licensing.factories import make_key

pytestmark = pytest.mark.django_db


def rows() -> dict:
    return {(r.day, r.user_id, r.license_key_id, r.group): r.count
            for r in UsageDay.objects.all()}


def count(subject: Subject, group: str, times: int = 1, now=None) -> None:
    for _ in range(times):
        usage_record(subject=subject, group=group, now=now)


def test_flush_moves_counters_into_daily_rows_and_adds_to_them():
    user = UserFactory()
    key, _ = make_key(user)
    today = timezone.now().date()
    yesterday = timezone.now() - timedelta(days=1)
    count(Subject(user.pk, None), "events", 3)
    count(Subject(user.pk, key), "events", 2)
    count(Subject(user.pk, None), "orders", 1, now=yesterday)

    first = usage_flush()
    count(Subject(user.pk, None), "events", 4)
    second = run_management_command(["usage_flush"])

    assert (first.batches, first.counters, first.requests) == (2, 3, 6)
    assert second == {"exit_status": 0, "output": "Flushed 4 requests in 1 counters from "
                                                  "1 batches (0 already applied).\n"}
    assert rows() == {(today, user.pk, None, "events"): 7,
                      (today, user.pk, key.pk, "events"): 2,
                      (yesterday.date(), user.pk, None, "orders"): 1}
    # Live totals still hold the whole day, so reports neither lose nor double anything.
    assert counters().day_totals(day=today, user_id=user.pk) == {
        (None, "events"): 7, (key.pk, "events"): 2}
    assert usage_flush().batches == 0


def test_a_batch_left_by_a_failed_flush_is_taken_over_once_its_lease_ends():
    user = UserFactory()
    count(Subject(user.pk, None), "files", 5)
    now = timezone.now()
    abandoned = counters().open_batch(day=now.date(), now=now.timestamp())
    count(Subject(user.pk, None), "files", 1)

    assert usage_flush(now=now + timedelta(minutes=1)).requests == 1
    assert usage_flush(now=now + timedelta(minutes=11)).requests == 5
    assert rows() == {(now.date(), user.pk, None, "files"): 6}
    assert UsageFlush.objects.filter(token=abandoned).exists()


def test_a_batch_applied_before_a_crash_is_not_applied_again(monkeypatch):
    user = UserFactory()
    count(Subject(user.pk, None), "files", 2)
    store_class = type(counters())
    close = store_class.close_batch

    def crash(self, **kwargs):
        raise RuntimeError("lost the connection after the commit")

    monkeypatch.setattr(store_class, "close_batch", crash)
    with pytest.raises(RuntimeError):
        usage_flush()
    monkeypatch.setattr(store_class, "close_batch", close)
    replay = usage_flush(now=timezone.now() + timedelta(minutes=11))

    assert (replay.batches, replay.replayed, replay.requests) == (1, 1, 0)
    assert rows() == {(timezone.now().date(), user.pk, None, "files"): 2}
    assert usage_flush(now=timezone.now() + timedelta(minutes=30)).batches == 0


def test_counts_of_deleted_accounts_are_dropped():
    gone, kept = UserFactory(), UserFactory()
    count(Subject(gone.pk, None), "events", 2)
    count(Subject(kept.pk, None), "events", 1)
    gone.delete()

    assert usage_flush().requests == 3
    assert list(UsageDay.objects.values_list("user", "count")) == [(kept.pk, 1)]


def test_flush_fails_clearly_when_the_counters_are_unreachable(settings):
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:9/0")}

    result = run_management_command(["usage_flush"])

    assert result["exit_status"] == 1
    assert result["output"].startswith("usage counters unavailable: ")


@pytest.mark.mysql
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_while_requests_keep_counting_apply_each_request_once():
    users = UserFactory.create_batch(3)
    key, _ = make_key(users[0])
    subjects = [Subject(u.pk, None) for u in users] + [Subject(users[0].pk, key)]
    groups = ["events", "orders"]
    per_thread, counting_threads = 250, 4
    done, failures = threading.Event(), []

    def counting(offset: int) -> None:
        for i in range(per_thread):
            n = offset + i
            usage_record(subject=subjects[n % len(subjects)], group=groups[n % 2])

    def flushing() -> None:
        try:
            while not done.is_set():
                usage_flush()
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    flushers = [threading.Thread(target=flushing) for _ in range(3)]
    counters_ = [threading.Thread(target=counting, args=(t * per_thread,))
                 for t in range(counting_threads)]
    for thread in flushers + counters_:
        thread.start()
    for thread in counters_:
        thread.join()
    done.set()
    for thread in flushers:
        thread.join()
    usage_flush()

    assert failures == []
    total = per_thread * counting_threads
    expected: dict = {}
    for n in range(total):
        subject = subjects[n % len(subjects)]
        slot = (subject.user_id, subject.key_id, groups[n % 2])
        expected[slot] = expected.get(slot, 0) + 1
    today = timezone.now().date()
    assert rows() == {(today, *slot): n for slot, n in expected.items()}
    assert UsageFlush.objects.aggregate(n=Sum("requests"))["n"] == total
    assert UsageFlush.objects.count() > 1  # batches were really taken while counting
