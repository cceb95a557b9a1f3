"""The documented Gradio API for gradio_client: every call takes the token and checks it."""

from __future__ import annotations

import inspect
from typing import Any, Literal, Optional, TypedDict

import gradio as gr
from gradio.data_classes import FileData

from billing.ledger import balance
from billing.signup import register as register_account
from pipelines import Feature
from pipelines.registry import FEATURES
from studio.accounts import authenticate
from studio.tokens import issue_token
from ui.guard import caller_address, count_request, require_user, shown_to_user
from ui.uploads import uploaded_bytes
from worker.jobs import cancel, get_job, list_jobs, submit
from worker.services import quick_defaults
from worker.views import JobView, job_view

_TYPES: dict[str, Any] = {"text": str, "int": int, "float": float, "bool": bool, "image": FileData}


class UserView(TypedDict):
    id: int
    email: str
    credits: int


class Account(TypedDict):
    """A login: pass `token` to every other endpoint."""

    token: str
    user: UserView


class JobList(TypedDict):
    jobs: list[JobView]
    total: int


def _account(user) -> Account:
    return {
        "token": issue_token(user),
        "user": {"id": user.id, "email": user.email, "credits": user.credits},
    }


@shown_to_user
def login(email: str, password: str, request: gr.Request) -> Account:
    """Log in; returns {token, user}. Pass the token to every other endpoint."""
    address = caller_address(request)
    count_request("writes", f"address:{address}")
    return _account(authenticate(email, password, address))


@shown_to_user
def register(email: str, password: str, request: gr.Request) -> Account:
    """Create an account with 50 free credits; returns {token, user}."""
    address = caller_address(request)
    count_request("writes", f"address:{address}")
    return _account(register_account(email, password, address))


@shown_to_user
def credits(token: str) -> int:
    """The logged-in user's credit balance."""
    return balance(require_user(token, "reads").id)


@shown_to_user
def job_status(token: str, job_id: str) -> JobView:
    """A job's status, progress (0–100), stage text, outputs (signed URLs) and metrics."""
    return job_view(get_job(require_user(token, "reads"), job_id))


@shown_to_user
def list_jobs_endpoint(token: str, limit: int = 20, offset: int = 0) -> JobList:
    """The user's jobs, newest first."""
    page, total = list_jobs(require_user(token, "reads"), max(1, min(limit, 100)), max(0, offset))
    return {"jobs": [job_view(j) for j in page], "total": total}


@shown_to_user
def cancel_job(token: str, job_id: str) -> JobView:
    """Cancel a job; its credits come back."""
    return job_view(cancel(require_user(token, "writes"), job_id))


def submit_endpoint(feature: Feature):
    """A function whose signature is the feature's fields (so gradio_client shows them)."""
    ordered = sorted(feature.fields, key=lambda f: not f.required)
    names = [f.name for f in ordered]

    @shown_to_user
    def endpoint(*args: Any) -> JobView:
        token, values = args[0], dict(zip(names, args[1:], strict=False))
        user = require_user(token, "writes")  # before any file argument is looked at
        for upload in feature.uploads:
            values[upload.name] = uploaded_bytes(values.get(upload.name), upload.api_name)
        job = submit(user, feature.id, values)
        return job_view(job, urls=False)

    params = [inspect.Parameter("token", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)]
    annotations: dict[str, Any] = {"token": str, "return": JobView}
    defaults = quick_defaults(feature)  # what the UI's form shows and REST applies
    for f in ordered:
        hint: Any = Literal[f.choices] if f.choices else _TYPES[f.kind]
        default = inspect.Parameter.empty if f.required else defaults.get(f.name)
        if not f.required and default is None:
            hint = Optional[hint]  # noqa: UP045 — one "None" in the documented type
        params.append(
            inspect.Parameter(
                f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=hint
            )
        )
        annotations[f.name] = hint
    endpoint.__signature__ = inspect.Signature(params, return_annotation=JobView)
    endpoint.__annotations__ = annotations
    endpoint.__name__ = feature.id
    endpoint.__doc__ = (
        f"Submit a {feature.title} job ({feature.cost_rule}); returns the job (id, status, "
        "progress, stage, creditsCharged, …): follow it with /job_status, fetch its files "
        "with /job_result."
    )
    return endpoint


def register_endpoints() -> None:
    """Declare the API inside the current gr.Blocks."""
    for fn, name in (
        (login, "login"),
        (register, "register"),
        (credits, "credits"),
        (job_status, "job_status"),
        (list_jobs_endpoint, "list_jobs"),
        (cancel_job, "cancel_job"),
    ):
        gr.api(fn, api_name=name, concurrency_limit=None)
    for feature in FEATURES.values():
        gr.api(submit_endpoint(feature), api_name=feature.id, concurrency_limit=None)
