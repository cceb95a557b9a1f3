"""The History tab: the user's jobs, open / cancel / re-run / remix."""

from __future__ import annotations

from typing import Any

import gradio as gr

from billing.ledger import history as ledger_history
from pipelines.registry import FEATURES
from studio.models import COMPLETED, User
from ui.files import gallery_items, local_input, local_outputs
from ui.forms import form_updates
from ui.guard import require_user, shown_to_user
from ui.status import badge_text
from worker.jobs import cancel, get_job, list_jobs, rerun

HISTORY_COLUMNS = ["Job id", "Feature", "Status", "Progress %", "Credits", "Created (UTC)", "Stage"]
LEDGER_COLUMNS = ["When (UTC)", "Credits", "Reason", "Job id"]


def _ledger_rows(user: User) -> list[list[Any]]:
    return [
        [e.created_at.strftime("%Y-%m-%d %H:%M:%S"), e.amount, e.reason, e.job_id or ""]
        for e in ledger_history(user.id, limit=100)
    ]


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


def history_tab(
    token: gr.BrowserState,
    badge: gr.Markdown,
    tabs: gr.Tabs,
    forms: dict[str, dict[str, gr.components.Component]],
) -> tuple:
    """The History tab; returns (fn, inputs, outputs) that refresh its table."""
    gr.Markdown("Your jobs, newest first. Select a row, then open, cancel or re-run it.")
    refresh_btn = gr.Button("Refresh")
    table = gr.Dataframe(headers=HISTORY_COLUMNS, interactive=False, wrap=True)
    selected = gr.Textbox(label="Job id")
    with gr.Row():
        open_btn = gr.Button("Open", variant="primary")
        cancel_btn = gr.Button("Cancel", variant="stop")
        rerun_btn = gr.Button("Re-run with the same settings")
        remix_btn = gr.Button("Remix: open its settings in the form")
    details = gr.Markdown()
    gallery = gr.Gallery(label="Outputs", columns=3, height=360)
    job_files = gr.File(label="Download", file_count="multiple")
    with gr.Accordion("Credit transactions", open=False):
        ledger = gr.Dataframe(headers=LEDGER_COLUMNS, interactive=False, wrap=True)

    @shown_to_user
    def refresh(token_value: str):
        user = require_user(token_value)
        return _history_rows(user), _ledger_rows(user), badge_text(user)

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
        images = gallery_items(local_outputs(job), job.metrics)
        return "\n\n".join(lines), images

    @shown_to_user
    def cancel_selected(token_value: str, job_id: str):
        user = require_user(token_value)
        job = cancel(user, job_id.strip())
        return f"Job is {job.status}: {job.stage}", _history_rows(user), badge_text(user)

    @shown_to_user
    def rerun_selected(token_value: str, job_id: str):
        user = require_user(token_value)
        job = rerun(user, job_id.strip())
        return job.id, f"Re-run queued as job `{job.id}`.", _history_rows(user), badge_text(user)

    form_fields = [c for form in forms.values() for c in form.values()]

    @shown_to_user
    def remix(token_value: str, job_id: str):
        job = get_job(require_user(token_value), job_id.strip())
        feature = FEATURES[job.feature]
        params = dict(job.params or {})
        if "seed" in params and params["seed"] is None and (job.metrics or {}).get("seeds"):
            params["seed"] = job.metrics["seeds"][0]  # the seed it actually used
        for upload in feature.uploads:
            if params.get(upload.name):
                params[upload.name] = local_input(params[upload.name])
        updates = form_updates(feature, forms[feature.id], params)
        return {tabs: gr.Tabs(selected=feature.id), **updates}

    remix_btn.click(
        remix,
        [token, selected],
        [tabs, *form_fields],
        api_name="ui_remix",
        api_visibility="private",
    )
    refresh_btn.click(
        refresh, token, [table, ledger, badge], api_name="ui_history", api_visibility="private"
    )
    table.select(pick, None, selected, api_name="ui_pick_job", api_visibility="private")
    open_btn.click(job_result, [token, selected], job_files, api_name="job_result").then(
        show,
        [token, selected],
        [details, gallery],
        api_name="ui_show_job",
        api_visibility="private",
    )
    cancel_btn.click(
        cancel_selected,
        [token, selected],
        [details, table, badge],
        api_name="ui_cancel",
        api_visibility="private",
    )
    rerun_btn.click(
        rerun_selected,
        [token, selected],
        [selected, details, table, badge],
        api_name="ui_rerun",
        api_visibility="private",
    )
    return refresh, token, [table, ledger, badge]
