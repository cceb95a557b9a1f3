"""The database connection survives the server dropping it (PostgreSQL)."""

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
