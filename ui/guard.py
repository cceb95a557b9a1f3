"""The UI's edge: authorise every handler and turn studio errors into gr.Error."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import gradio as gr

from pipelines import InputError
from studio.errors import RateLimited, StudioError
from studio.models import User
from studio.ratelimit import client_address, hit
from studio.tokens import user_from_token

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def as_gr_error(exc: Exception) -> gr.Error:
    if isinstance(exc, StudioError):
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    else:
        message = str(exc)
    # A refusal is not a server fault: no traceback in the log for it.
    return gr.Error(message, title="Not done", print_exception=False)


def shown_to_user(fn: Callable[P, R]) -> Callable[P, R]:
    """Re-raise studio and input errors as gr.Error so the user (or API client) sees them.

    The wrapper keeps fn's signature (ParamSpec), so type checkers see each handler's own
    parameters and Gradio reads the same signature through functools.wraps.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (StudioError, InputError) as exc:
            raise as_gr_error(exc) from None

    # Resolved in fn's own module: Gradio documents the API from these types, and would look
    # the names up in this module instead.
    with contextlib.suppress(NameError, TypeError):
        wrapper.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


def caller_address(request: gr.Request | None) -> str | None:
    """The caller's address for limits (X-Forwarded-For only from STUDIO_TRUSTED_PROXIES)."""
    if request is None or request.client is None:
        return None
    return client_address(request.client.host, request.headers.get("x-forwarded-for"))


def count_request(kind: str, key: str) -> None:
    """Count one request against the same limits as REST (STUDIO_RATE_LIMIT_WRITES / _READS,
    shared per user or address); RateLimited once they run out, before anything is done."""
    quota = hit(kind, key)
    if quota is not None and not quota.allowed:
        raise RateLimited(
            f"too many requests: try again in {quota.reset_after} s", quota.reset_after
        )


def require_user(token: str | None, count: str | None = None) -> User:
    """The user behind a token, or a gr.Error asking to log in; with `count` ("writes" or
    "reads"), the request also counts against that user's rate limit."""
    try:
        user = user_from_token(token)
        if count:
            count_request(count, f"user:{user.id}")
        return user
    except StudioError as exc:
        raise as_gr_error(exc) from None
