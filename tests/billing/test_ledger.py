"""The credit ledger: idempotent grants, debits never below zero, races."""

from __future__ import annotations

import threading

import pytest

from billing.ledger import balance, debit, grant, history, ledger_sum
from studio.errors import InsufficientCredits
from studio.models import Job
from tests.conftest import configure
from tests.factories import IMAGE_JOB, assert_ledger_consistent, new_user
from worker import jobs


def test_signup_gives_50_credits(studio):
    user = new_user()
    assert user.credits == 50
    assert [(e.amount, e.reason) for e in history(user.id)] == [(50, "signup bonus")]
    assert_ledger_consistent(user)


def test_grant_is_idempotent(studio):
    user = new_user()
    assert grant(user.id, 100, "purchase", key="stripe:cs_1")
    assert not grant(user.id, 100, "purchase", key="stripe:cs_1")
    assert balance(user.id) == 150
    assert_ledger_consistent(user)


def test_debit_never_goes_below_zero(studio):
    user = new_user()
    debit(user.id, 50, "everything", key="k1")
    with pytest.raises(InsufficientCredits):
        debit(user.id, 1, "one more", key="k2")
    assert balance(user.id) == 0
    assert_ledger_consistent(user)


def _race(monkeypatch, attempts: int, credits: int):
    """`attempts` concurrent 2-credit submissions against `credits` credits."""
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)
    user = new_user(credits=credits)
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            jobs.submit(user, "image_generation", IMAGE_JOB)
            outcomes.append("ok")
        except InsufficientCredits:
            outcomes.append("short")

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return user, outcomes


def test_concurrent_submits_sqlite(studio, monkeypatch):
    user, outcomes = _race(monkeypatch, attempts=12, credits=11)
    assert outcomes.count("ok") == 5
    assert outcomes.count("short") == 7
    assert balance(user.id) == 1
    assert Job.select().count() == 5
    assert_ledger_consistent(user)


def test_concurrent_submits_postgres(studio, monkeypatch, postgres_url):
    configure(monkeypatch, database_url=postgres_url)
    user, outcomes = _race(monkeypatch, attempts=12, credits=11)
    assert outcomes.count("ok") == 5
    assert balance(user.id) == 1
    assert Job.select().count() == 5
    assert ledger_sum(user.id) == 1
    assert_ledger_consistent(user)
