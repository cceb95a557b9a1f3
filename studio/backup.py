"""A consistent copy of the SQLite database while the studio runs (SQLite's online backup).

PostgreSQL deployments back up with the server's own tools (`pg_dump`), not this.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from studio.errors import StudioError

logger = logging.getLogger(__name__)


def backup_sqlite(database_url: str, destination: Path) -> Path:
    """Copy the SQLite database at `database_url` to `destination` page by page, without
    stopping writers; returns the file written."""
    if not database_url.startswith("sqlite:///"):
        raise StudioError(
            "backup copies the embedded SQLite database; for PostgreSQL use pg_dump "
            '(e.g. pg_dump -Fc -f studio.dump "$STUDIO_DATABASE_URL")'
        )
    source_path = Path(database_url.removeprefix("sqlite:///"))
    if not source_path.is_file():
        raise StudioError(f"there is no database at {source_path}")
    if destination.is_dir() or not destination.suffix:  # a folder, existing or to be made
        destination = destination / "studio-backup.db"
    if destination.resolve() == source_path.resolve():
        raise StudioError("the backup must go to another file than the database itself")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=10)
    target = sqlite3.connect(destination)
    try:
        with target:
            source.backup(target, pages=256)  # in steps, so writers are never blocked for long
    finally:
        target.close()
        source.close()
    logger.info("database backed up to %s", destination)
    return destination
