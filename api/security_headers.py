"""Helmet-style response headers on everything the server answers, the studio page included."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.settings import Settings

HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(frame_ancestors: str) -> str:
    """A policy the Gradio front end works under: its own scripts and styles (some inline),
    images, audio and video from the studio or data:/blob: URLs, and Google's theme fonts."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
            "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
            "font-src 'self' data: https://fonts.gstatic.com",
            "img-src 'self' data: blob:",
            "media-src 'self' data: blob:",
            "connect-src 'self' ws: wss: data: blob:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def security_headers(settings: Settings) -> dict[str, str]:
    """The headers every response carries under these settings."""
    ancestors = settings.frame_ancestors.strip() or "'none'"
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Content-Security-Policy": content_security_policy(ancestors),
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    # X-Frame-Options names one policy only; browsers that know CSP use frame-ancestors.
    if ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    elif ancestors == "'self'":
        headers["X-Frame-Options"] = "SAMEORIGIN"
    if settings.resolved_public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Add the security headers to every HTTP response (a route's own value wins) and drop
    any `server` header."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]):
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                del headers["server"]
            await send(message)

        await self.app(scope, receive, send_with_headers)
