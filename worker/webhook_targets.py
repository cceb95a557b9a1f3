"""Where webhooks may go: http(s) URLs whose host resolves to public addresses only (SSRF).

Private, loopback, link-local and other non-global addresses are refused unless
STUDIO_WEBHOOK_ALLOW_PRIVATE=true (a studio on a private network calling its own services).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from studio.errors import ValidationFailed
from studio.settings import get_settings

MAX_URL = 2048


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to name hosts of their own)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_target(url: str, field: str = "url") -> str:
    """The URL when a webhook may be sent there; ValidationFailed naming `field` otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or not url.isprintable():
        raise ValidationFailed(f"must be an http(s) URL of at most {MAX_URL} characters", field)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed("is not a valid URL", field) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("must be an http:// or https:// URL with a host", field)
    if parts.username or parts.password:
        raise ValidationFailed("must not carry a user name or password", field)
    if get_settings().webhook_allow_private:
        return url
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise ValidationFailed(f"the host {parts.hostname!r} does not resolve", field) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise ValidationFailed(
                f"the host {parts.hostname!r} is a private, loopback or link-local address; "
                "webhooks go to public addresses (STUDIO_WEBHOOK_ALLOW_PRIVATE=true allows them)",
                field,
            )
    return url
