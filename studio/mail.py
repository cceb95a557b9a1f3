"""Sending one email through the configured SMTP server (STUDIO_SMTP_URL)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from studio.settings import get_settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text email; False (and a warning) when no SMTP server is configured or
    it refused the message: callers decide what that means."""
    settings = get_settings()
    if not settings.smtp_url:
        logger.warning("STUDIO_SMTP_URL is not set: no email sent (subject %r)", subject)
        return False
    url = urlsplit(settings.smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    message.set_content(body)
    host = url.hostname or "localhost"
    try:
        if url.scheme == "smtps":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, url.port or 465, timeout=TIMEOUT_SECONDS)
        else:
            server = smtplib.SMTP(host, url.port or 587, timeout=TIMEOUT_SECONDS)
        with server:
            starttls = parse_qs(url.query).get("starttls", ["true"])[0].lower() != "false"
            if url.scheme == "smtp" and starttls:
                server.starttls()
            if url.username:
                server.login(unquote(url.username), unquote(url.password or ""))
            server.send_message(message)
    except (OSError, smtplib.SMTPException):
        logger.exception("sending email to the SMTP server at %s failed", host)
        return False
    return True
