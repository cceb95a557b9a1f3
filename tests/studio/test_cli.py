"""`python -m studio backup` and `python -m studio admin`, run as real subprocesses."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from studio.models import User
from tests.conftest import ROOT
from tests.factories import new_user


def _studio(settings, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = os.environ | {"STUDIO_DATA_DIR": str(settings.data_dir), "STUDIO_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        cwd=ROOT,
        env=env | {f"STUDIO_{k.upper()}": v for k, v in overrides.items()},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_backup_copies_the_live_sqlite_database(studio, tmp_path):
    user = new_user()
    done = _studio(studio, "backup", str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr
    copy = tmp_path / "backups" / "studio-backup.db"
    assert done.stdout.strip() == f"backed up to {copy}"
    with sqlite3.connect(copy) as conn:
        rows = conn.execute("SELECT email, credits FROM users").fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert rows == [(user.email, 50)]


def test_backup_points_postgresql_users_to_pg_dump(studio, tmp_path):
    done = _studio(
        studio, "backup", str(tmp_path / "x.db"), database_url="postgresql://u@127.0.0.1:1/db"
    )
    assert done.returncode == 1
    assert "pg_dump" in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_admin_grant_and_revoke(studio):
    user = new_user()
    granted = _studio(studio, "admin", "grant", user.email.upper())
    assert granted.returncode == 0, granted.stderr
    assert User.get_by_id(user.id).is_admin
    revoked = _studio(studio, "admin", "revoke", user.email)
    assert revoked.stdout.strip() == f"{user.email} is no longer an admin"
    assert not User.get_by_id(user.id).is_admin
    missing = _studio(studio, "admin", "grant", "nobody@example.com")
    assert missing.returncode == 1 and "no account" in missing.stderr
