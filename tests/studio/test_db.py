"""The database connection: it survives the server dropping it (PostgreSQL), and start-up
brings an older schema up to date."""

from __future__ import annotations

import psycopg

from studio.models import User
from tests.conftest import POSTGRES_ADMIN_URL, configure
from tests.factories import new_user


def test_postgres_connection_comes_back_after_the_server_kills_it(
    studio, monkeypatch, postgres_url
):
    configure(monkeypatch, database_url=postgres_url)
    user = new_user()
    name = postgres_url.rsplit("/", 1)[-1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()[0]
    assert killed >= 1
    assert User.get_by_id(user.id).credits == 50  # reconnected, not a 500


def test_start_up_adds_columns_a_newer_release_declared(studio, monkeypatch, postgres_url):
    """A jobs table from before retention (no expired_at, request_id) gets them at start-up."""
    from billing.schema import create_all_tables
    from studio.db import database
    from studio.models import Job

    for url in ("", postgres_url):
        configure(monkeypatch, database_url=url)
        for column in ("expired_at", "request_id"):
            database.execute_sql(f"ALTER TABLE jobs DROP COLUMN {column}")
        create_all_tables()
        columns = {c.name for c in database.get_columns("jobs")}
        assert {"expired_at", "request_id"} <= columns
        assert Job.select().where(Job.expired_at.is_null()).count() == 0
