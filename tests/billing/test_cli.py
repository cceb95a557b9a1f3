"""`python -m billing grant`: an operator's grant, run as a real subprocess on the test data dir."""

from __future__ import annotations

import os
import subprocess
import sys

from billing.ledger import balance, history
from tests.conftest import ROOT
from tests.factories import assert_ledger_consistent, new_user


def _grant(studio, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"STUDIO_DATA_DIR": str(studio.data_dir), "STUDIO_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "billing", "grant", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_grant_records_a_ledger_entry(studio):
    user = new_user()
    done = _grant(studio, user.email.upper(), "25", "--reason", "support: failed upload")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"granted 25 credits to {user.email}: balance 75"
    assert balance(user.id) == 75
    entry = history(user.id)[0]
    assert (entry.amount, entry.reason) == (25, "operator grant: support: failed upload")
    assert entry.key.startswith("operator:")
    assert_ledger_consistent(user)


def test_grant_with_a_key_is_applied_once(studio):
    user = new_user()
    for _ in range(2):
        done = _grant(studio, user.email, "10", "--reason", "promo", "--key", "promo-2025")
        assert done.returncode == 0, done.stderr
    assert "already granted" in done.stdout
    assert balance(user.id) == 60
    assert [e.amount for e in history(user.id)] == [10, 50]
    assert_ledger_consistent(user)


def test_unknown_email_and_bad_amounts_change_nothing(studio):
    user = new_user()
    missing = _grant(studio, "nobody@example.com", "10", "--reason", "x")
    assert missing.returncode == 1
    assert "no account with the email nobody@example.com" in missing.stderr
    for amount in ("0", "-5", "ten"):
        bad = _grant(studio, user.email, amount, "--reason", "x")
        assert bad.returncode == 2
        assert "credits must be positive" in bad.stderr or "not a whole number" in bad.stderr
    no_reason = _grant(studio, user.email, "10")
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    assert balance(user.id) == 50
    assert_ledger_consistent(user)
