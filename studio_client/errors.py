"""The one error the client raises for a refusal from the studio."""

from __future__ import annotations


class StudioAPIError(Exception):
    """A 4xx/5xx answer: its HTTP status and the studio's error code, message and field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(f"{status} {code}: {message}" + (f" ({field})" if field else ""))
        self.status, self.code, self.message, self.field = status, code, message, field
