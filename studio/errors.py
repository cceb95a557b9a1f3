"""The studio's error hierarchy; messages are safe to show to a user.

The edges translate them: `gr.Error` in the UI, an HTTP status with a JSON body
in the API (`status` and `code` below).
"""

from __future__ import annotations


class StudioError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(StudioError):
    status = 422
    code = "invalid_input"


class AuthError(StudioError):
    status = 401
    code = "unauthorized"


class Forbidden(StudioError):
    status = 403
    code = "forbidden"


class NotFound(StudioError):
    status = 404
    code = "not_found"


class Conflict(StudioError):
    status = 409
    code = "conflict"


class InsufficientCredits(StudioError):
    status = 402
    code = "insufficient_credits"


class TooLarge(StudioError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(StudioError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(StudioError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int, field: str | None = None):
        super().__init__(message, field)
        self.retry_after = retry_after


class TooManyJobs(StudioError):
    """A per-user job limit (STUDIO_MAX_PENDING_PER_USER): wait for some to start."""

    status = 429
    code = "too_many_jobs"


class NotAvailable(StudioError):
    status = 501
    code = "not_available"


class ServiceUnavailable(StudioError):
    status = 503
    code = "unavailable"


class JobCancelled(Exception):
    """Raised inside a running job when its owner cancelled it (not an error)."""
