"""`python -m billing grant EMAIL N --reason TEXT`: an operator adds credits to an account.

The grant is a ledger entry like any other, so the balance still equals the sum of entries.
Works whether or not Stripe is configured.
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid

from billing.ledger import balance, grant
from billing.schema import create_all_tables
from studio.accounts import normalise_email
from studio.db import init_database
from studio.errors import ValidationFailed
from studio.logs import configure_logging
from studio.models import User
from studio.settings import get_settings

logger = logging.getLogger("billing.cli")

MAX_REASON = 150  # the ledger's reason column holds 200 characters with the prefix


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"credits must be positive, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m billing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grant_cmd = commands.add_parser("grant", help="add credits to an account")
    grant_cmd.add_argument("email", help="the account's email")
    grant_cmd.add_argument("credits", type=_positive_int, help="how many credits to add")
    grant_cmd.add_argument("--reason", required=True, help="shown in the user's transactions")
    grant_cmd.add_argument(
        "--key",
        help="idempotency key: running the same grant again with it adds nothing "
        "(default: a new key each run)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    reason = args.reason.strip()
    if not reason or len(reason) > MAX_REASON:
        parser.error(f"--reason must be 1 to {MAX_REASON} characters")
    if args.key is not None and not 0 < len(args.key) <= MAX_REASON:
        parser.error(f"--key must be 1 to {MAX_REASON} characters")
    try:
        email = normalise_email(args.email)
    except ValidationFailed as exc:
        parser.error(f"{args.email!r} {exc.message}")
    settings = get_settings()
    configure_logging(settings.log_level)
    init_database(settings.resolved_database_url)
    create_all_tables()

    user = User.get_or_none(User.email == email)
    if user is None:
        sys.stderr.write(f"no account with the email {email}\n")
        return 1
    key = f"operator:{args.key or uuid.uuid4().hex}"
    if grant(user.id, args.credits, f"operator grant: {reason}", key=key):
        logger.info("operator grant user_id=%s credits=%s key=%s", user.id, args.credits, key)
        sys.stdout.write(f"granted {args.credits} credits to {email}: balance {balance(user.id)}\n")
    else:
        sys.stdout.write(f"already granted with key {key}: balance {balance(user.id)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
