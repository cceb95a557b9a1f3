"""`python -m studio backup DEST` (SQLite online backup) and `python -m studio admin grant|revoke
EMAIL` (who sees the Admin tab)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from studio.accounts import normalise_email
from studio.backup import backup_sqlite
from studio.db import create_tables, init_database
from studio.errors import StudioError, ValidationFailed
from studio.logs import configure_logging
from studio.models import ALL_MODELS, User
from studio.settings import get_settings

logger = logging.getLogger("studio.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m studio", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="copy the SQLite database while it is in use")
    backup.add_argument(
        "destination", type=Path, help="a file (studio.db), or a folder for studio-backup.db"
    )
    admin = commands.add_parser("admin", help="give or take the admin role")
    admin.add_argument("action", choices=("grant", "revoke"))
    admin.add_argument("email", help="the account's email")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        if args.command == "backup":
            written = backup_sqlite(settings.resolved_database_url, args.destination)
            sys.stdout.write(f"backed up to {written}\n")
            return 0
        return _set_admin(normalise_email(args.email), args.action == "grant")
    except (StudioError, ValidationFailed) as exc:
        sys.stderr.write(f"{exc.message}\n")
        return 1


def _set_admin(email: str, admin: bool) -> int:
    init_database(get_settings().resolved_database_url)
    create_tables(ALL_MODELS)
    if not User.update(is_admin=admin).where(User.email == email).execute():
        sys.stderr.write(f"no account with the email {email}\n")
        return 1
    logger.info("admin role %s email=%s", "granted" if admin else "revoked", email)
    sys.stdout.write(f"{email} is {'now' if admin else 'no longer'} an admin\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
