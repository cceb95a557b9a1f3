"""What every page shows about the account and the model in use."""

from __future__ import annotations

import html

from billing.verification import awaiting_verification
from studio.models import User
from worker.services import tiny_in_use

TINY_NOTICE = (
    "**Test model in use:** images are random patterns until SDXL weights are installed "
    "(README → *Models*)."
)


def badge_text(user: User | None) -> str:
    """The account line in the header: email and balance (escaped: the email is user input)."""
    if user is None:
        return ""
    fresh = User.get_by_id(user.id)
    text = f"<span class='who'>{html.escape(fresh.email)}</span> · <b>{fresh.credits} credits</b>"
    if awaiting_verification(fresh):
        text += " · <i>open the link we emailed you to get your free credits</i>"
    return text


def tiny_notice() -> str:
    """The banner while the test model is in use, else nothing (server paths stay in the log)."""
    return TINY_NOTICE if tiny_in_use() else ""
