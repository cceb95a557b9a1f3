"""The Gradio Blocks studio: account, one tab per feature, job history."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import gradio as gr

from billing.signup import register as register_account
from pipelines import FEATURES, Feature
from pipelines.models import active_preset
from studio.accounts import authenticate
from studio.errors import StudioError
from studio.models import COMPLETED, FAILED, FINAL_STATES, Job, User
from studio.settings import get_settings
from studio.tokens import issue_token
from ui.endpoints import register_endpoints
from ui.files import local_outputs, local_preview
from ui.forms import build_form, cost_text, form_values
from ui.guard import as_gr_error, require_user, shown_to_user
from worker.jobs import cancel, get_job, list_jobs, submit

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.3
HISTORY_COLUMNS = ["Job id", "Feature", "Status", "Progress %", "Credits", "Created (UTC)", "Stage"]
CSS = """
#credit-badge {text-align: right; font-size: 1.1em}
#tiny-notice {border-left: 4px solid #f59e0b; padding-left: 0.8em}
"""


def launch_options() -> dict[str, Any]:
    """Options for gr.mount_gradio_app (theme and css belong there in Gradio 6)."""
    return {"theme": gr.themes.Soft(), "css": CSS, "footer_links": ["api", "gradio"]}


def _badge(user: User | None) -> str:
    if user is None:
        return ""
    fresh = User.get_by_id(user.id)
    return f"**{fresh.email}** · **{fresh.credits} credits**"


def _tiny_notice() -> str:
    settings = get_settings()
    if active_preset(settings.model_preset, settings.resolved_models_dir) != "tiny":
        return ""
    return (
        "**Test model in use.** No SDXL weights were found, so images come from the "
        "built-in `tiny` model (random weights, real SDXL architecture): they show noise-like "
        f"patterns, not your prompt. Put SDXL weights in `{settings.resolved_models_dir}` or the "
        "Hugging Face cache (see README) and restart."
    )


def _preset_defaults(feature: Feature) -> dict[str, Any]:
    """Quick defaults while the tiny test model is in use (30 steps at 1024² take ~50 s here)."""
    settings = get_settings()
    tiny = active_preset(settings.model_preset, settings.resolved_models_dir) == "tiny"
    if not tiny or feature.id != "image_generation":
        return {}
    return {"width": 512, "height": 512, "steps": 4}


def _feature_tab(feature: Feature, token: gr.BrowserState, badge: gr.Markdown) -> None:
    intro = f"{feature.description} · {feature.cost_rule}."
    if not feature.available:
        intro += " **Not available yet** — coming in a later release; nothing is charged."
    gr.Markdown(intro)
    components = build_form(feature, _preset_defaults(feature))
    cost = gr.Markdown(cost_text(feature, feature.defaults()))
    with gr.Row():
        run_btn = gr.Button("Generate", variant="primary", interactive=feature.available)
        stop_btn = gr.Button("Cancel", variant="stop", interactive=feature.available)
    status = gr.Markdown()
    job_id = gr.State("")
    if feature.output_kind == "images":
        result = gr.Gallery(label="Result", columns=2, height=520, format="png")
    else:
        result = gr.Video(label="Result", height=420)
    files = gr.File(label="Download", file_count="multiple")

    inputs = {token, *components.values()}

    def run(values: dict, progress=gr.Progress()):
        user = require_user(values[token])
        try:
            job = submit(user, feature.id, form_values(feature, components, values))
        except StudioError as exc:
            raise as_gr_error(exc) from None
        yield {job_id: job.id, status: f"Job `{job.id}` queued.", badge: _badge(user)}
        shown_preview = None
        while job.status not in FINAL_STATES:
            time.sleep(POLL_SECONDS)
            job = Job.get_by_id(job.id)
            progress(job.progress / 100, desc=job.stage)
            if job.preview and job.progress != shown_preview and feature.output_kind == "images":
                shown_preview = job.progress
                yield {result: [local_preview(job)], status: f"{job.stage} ({job.progress:.0f}%)"}
        if job.status == COMPLETED:
            paths = local_outputs(job)
            shown = paths if feature.output_kind == "images" else paths[0]
            done = f"Done in {job.processing_time:.1f} s · {job.credits_charged} credits."
            yield {result: shown, files: paths, status: done, badge: _badge(user)}
        elif job.status == FAILED:
            message = f"Failed: {job.error} Your {job.credits_charged} credits were refunded."
            yield {status: message, badge: _badge(user), result: None}
        else:
            yield {status: "Cancelled; credits refunded.", badge: _badge(user), result: None}

    def stop(values: dict) -> str:
        user = require_user(values[token])
        if not values[job_id]:
            return "Nothing is running."
        try:
            job = cancel(user, values[job_id])
        except StudioError as exc:
            return exc.message
        return "Cancelling…" if job.status != "cancelled" else "Cancelled; credits refunded."

    run_btn.click(
        run,
        inputs=inputs,
        outputs=[job_id, status, badge, result, files],
        api_name=f"ui_{feature.id}",
        api_visibility="private",
        concurrency_limit=None,
    )
    stop_btn.click(
        stop,
        inputs={token, job_id},
        outputs=status,
        api_name=f"ui_cancel_{feature.id}",
        api_visibility="private",
    )
    priced = [c for f, c in components.items() if feature.field(f).kind in ("int", "choice")]
    if priced:

        def update_cost(values: dict) -> str:
            return cost_text(feature, {f: values[c] for f, c in components.items() if c in values})

        gr.on(
            [c.change for c in priced],
            update_cost,
            inputs=set(priced),
            outputs=cost,
            api_name=f"ui_cost_{feature.id}",
            api_visibility="private",
        )


def _history_rows(user: User) -> list[list[Any]]:
    page, _ = list_jobs(user, limit=50)
    return [
        [
            j.id,
            FEATURES[j.feature].title if j.feature in FEATURES else j.feature,
            j.status,
            round(j.progress),
            j.credits_charged,
            j.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            j.error or j.stage,
        ]
        for j in page
    ]


def _history_tab(token: gr.BrowserState, badge: gr.Markdown) -> tuple:
    """The History tab; returns (fn, inputs, outputs) that refresh its table."""
    gr.Markdown("Your jobs, newest first. Select a row, then open, cancel or re-run it.")
    refresh_btn = gr.Button("Refresh")
    table = gr.Dataframe(headers=HISTORY_COLUMNS, interactive=False, wrap=True)
    selected = gr.Textbox(label="Job id")
    with gr.Row():
        open_btn = gr.Button("Open", variant="primary")
        cancel_btn = gr.Button("Cancel", variant="stop")
        rerun_btn = gr.Button("Re-run with the same settings")
    details = gr.Markdown()
    gallery = gr.Gallery(label="Outputs", columns=3, height=360)
    job_files = gr.File(label="Download", file_count="multiple")

    @shown_to_user
    def refresh(token_value: str):
        user = require_user(token_value)
        return _history_rows(user), _badge(user)

    def pick(evt: gr.SelectData) -> str:
        return evt.row_value[0] if evt.row_value else ""

    @shown_to_user
    def job_result(token_value: str, job_id: str) -> list[str]:
        """The finished job's output files (downloaded by gradio_client)."""
        job = get_job(require_user(token_value), job_id.strip())
        if job.status != COMPLETED:
            raise gr.Error(f"this job is {job.status} ({job.progress:.0f}%): no files yet")
        return local_outputs(job)

    @shown_to_user
    def show(token_value: str, job_id: str):
        job = get_job(require_user(token_value), job_id.strip())
        params = ", ".join(f"{k}={v!r}" for k, v in (job.params or {}).items())
        lines = [
            f"**{FEATURES[job.feature].title}** · {job.status} · {job.progress:.0f}% · {job.stage}",
            f"Settings: {params}",
        ]
        if job.error:
            lines.append(f"Error: {job.error}")
        if job.metrics:
            lines.append("Metrics: " + ", ".join(f"{k}={v}" for k, v in job.metrics.items()))
        images = [p for p in local_outputs(job) if p.endswith((".png", ".jpg"))]
        return "\n\n".join(lines), images

    @shown_to_user
    def cancel_selected(token_value: str, job_id: str):
        user = require_user(token_value)
        job = cancel(user, job_id.strip())
        return f"Job is {job.status}: {job.stage}", _history_rows(user), _badge(user)

    @shown_to_user
    def rerun(token_value: str, job_id: str):
        user = require_user(token_value)
        old = get_job(user, job_id.strip())
        job = submit(user, old.feature, old.params)
        return job.id, f"Re-run queued as job `{job.id}`.", _history_rows(user), _badge(user)

    private = {"api_visibility": "private"}
    refresh_btn.click(refresh, token, [table, badge], api_name="ui_history", **private)
    table.select(pick, None, selected, api_name="ui_pick_job", **private)
    open_btn.click(job_result, [token, selected], job_files, api_name="job_result").then(
        show, [token, selected], [details, gallery], api_name="ui_show_job", **private
    )
    cancel_btn.click(
        cancel_selected, [token, selected], [details, table, badge], api_name="ui_cancel", **private
    )
    rerun_btn.click(
        rerun, [token, selected], [selected, details, table, badge], api_name="ui_rerun", **private
    )
    return refresh, token, [table, badge]


def build_studio() -> gr.Blocks:
    """The whole studio UI plus its documented API."""
    settings = get_settings()
    # A fixed secret so the stored login survives restarts; derived, never the key itself.
    secret = hashlib.sha256(b"browser-state:" + settings.resolved_secret_key.encode()).hexdigest()
    with gr.Blocks(title="AI Studio") as demo:
        token = gr.BrowserState("", storage_key="ai-studio-token", secret=secret)
        with gr.Row():
            gr.Markdown("# AI Studio")
            badge = gr.Markdown(elem_id="credit-badge")
        notice = gr.Markdown(_tiny_notice(), elem_id="tiny-notice")
        with gr.Column(visible=True) as auth_panel:
            gr.Markdown("Log in, or register to get 50 free credits.")
            email = gr.Textbox(label="Email", type="email")
            password = gr.Textbox(label="Password (8–72 characters)", type="password")
            with gr.Row():
                login_btn = gr.Button("Log in", variant="primary")
                register_btn = gr.Button("Register")
        with gr.Column(visible=False) as studio_panel:
            with gr.Tabs():
                for feature in FEATURES.values():
                    with gr.Tab(feature.title, id=feature.id):
                        _feature_tab(feature, token, badge)
                with gr.Tab("History", id="history") as history_tab:
                    refresh_history = _history_tab(token, badge)
                history_tab.select(
                    *refresh_history, api_name="ui_history_tab", api_visibility="private"
                )
            logout_btn = gr.Button("Log out", size="sm")
        register_endpoints()

        def restore(token_value: str):
            try:
                user = require_user(token_value) if token_value else None
            except gr.Error:
                user = None
            return (
                _badge(user),
                gr.Column(visible=user is None),
                gr.Column(visible=user is not None),
                _tiny_notice(),
            )

        @shown_to_user
        def enter(email_value: str, password_value: str, new_account: bool):
            if new_account:
                user = register_account(email_value, password_value)
            else:
                user = authenticate(email_value, password_value)
            gr.Info(f"Welcome, {user.email}: you have {user.credits} credits.")
            return (
                issue_token(user),
                _badge(user),
                gr.Column(visible=False),
                gr.Column(visible=True),
                "",
            )

        def do_login(e: str, p: str):
            return enter(e, p, False)

        def do_register(e: str, p: str):
            return enter(e, p, True)

        def logout():
            return "", "", gr.Column(visible=True), gr.Column(visible=False)

        panels = [auth_panel, studio_panel]
        demo.load(
            restore,
            token,
            [badge, *panels, notice],
            api_name="ui_restore",
            api_visibility="private",
        )
        entered = [token, badge, *panels, password]
        login_btn.click(
            do_login, [email, password], entered, api_name="ui_login", api_visibility="private"
        )
        register_btn.click(
            do_register,
            [email, password],
            entered,
            api_name="ui_register",
            api_visibility="private",
        )
        logout_btn.click(
            logout, None, [token, badge, *panels], api_name="ui_logout", api_visibility="private"
        )
    demo.queue(default_concurrency_limit=8, max_size=200)
    return demo
