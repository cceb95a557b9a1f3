"""The database connection: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from peewee import (
    DatabaseError,
    DatabaseProxy,
    InterfaceError,
    Model,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
)
from playhouse.db_url import parse
from playhouse.migrate import SchemaMigrator, migrate
from playhouse.shortcuts import ReconnectMixin

logger = logging.getLogger(__name__)

database = DatabaseProxy()
_lock = threading.Lock()
_url: str | None = None

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
}


def init_database(url: str) -> None:
    """Connect the models to the database at `url` (tables: billing.schema.create_all_tables)."""
    global _url
    with _lock:
        if _url == url:
            return
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
        elif url.startswith(("postgres://", "postgresql://")):
            # peewee picks psycopg 3 when psycopg2 is absent.
            db = ReconnectingPostgresqlDatabase(**parse(url))
        else:
            raise ValueError(
                f"STUDIO_DATABASE_URL must be sqlite:/// or postgresql://, got {url!r}"
            )
        database.initialize(db)
        _url = url
        logger.info("database ready: %s", db.__class__.__name__)


def create_tables(models: Sequence[type[Model]]) -> None:
    """Create the missing tables for `models` (peewee's way: once, at start-up), and add
    columns a newer release declared (nullable ones only) to tables an older one made."""
    with database.connection_context():
        try:
            database.create_tables(models, safe=True)
        except DatabaseError:
            # Another process created them at the same moment (PostgreSQL can report that
            # as a duplicate type even with IF NOT EXISTS).
            if not all(database.table_exists(m._meta.table_name) for m in models):
                raise
        for model in models:
            _add_missing_columns(model)


def _add_missing_columns(model: type[Model]) -> None:
    table = model._meta.table_name
    present = {column.name for column in database.get_columns(table)}
    missing = [f for f in model._meta.sorted_fields if f.column_name not in present and f.null]
    if not missing:
        return
    migrator = SchemaMigrator.from_database(database.obj)
    for field in missing:
        try:
            migrate(migrator.add_column(table, field.column_name, field))
            logger.info("column added: %s.%s", table, field.column_name)
        except DatabaseError:  # another process added it first
            if field.column_name not in {c.name for c in database.get_columns(table)}:
                raise


class ReconnectingPostgresqlDatabase(ReconnectMixin, PostgresqlDatabase):
    """PostgreSQL whose per-thread connections come back after a server restart or an idle
    kill (outside a transaction; inside one the error reaches the caller, nothing is lost)."""

    reconnect_errors = (
        (OperationalError, "terminating connection"),
        (OperationalError, "the connection is closed"),
        (OperationalError, "server closed the connection"),
        (OperationalError, "consuming input failed"),
        (InterfaceError, "connection already closed"),
        (InterfaceError, "the connection is closed"),
    )


def close_database() -> None:
    """Close this thread's connection and forget the URL (tests switch databases)."""
    global _url
    with _lock:
        if database.obj is not None and not database.is_closed():
            database.close()
        _url = None


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def write_transaction():
    """A transaction that reads then writes; IMMEDIATE on SQLite so it cannot hit SQLITE_BUSY."""
    if is_sqlite():
        return database.atomic(lock_type="IMMEDIATE")
    return database.atomic()
