"""The History tab: the user's jobs as cards (thumbnail, what it was, status, net credits,
local time) with open / re-run / remix / cancel, filters, pages and live updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import gradio as gr

from billing.ledger import history as ledger_history
from pipelines.registry import FEATURES
from studio.errors import StudioError
from studio.models import CANCELLED, COMPLETED, FAILED, FINAL_STATES, PENDING, PROCESSING, Job, User
from ui.files import gallery_items, local_cover, local_input, local_outputs
from ui.forms import form_updates
from ui.guard import require_user, shown_to_user
from ui.progress import card_progress_html, message_html
from ui.status import badge_text
from worker.jobs import cancel, get_job, list_jobs, rerun
from worker.views import job_view

PAGE_SIZE = 12
TICK_SECONDS = 2.0  # how often the tab looks again while a job on it runs
LEDGER_COLUMNS = ["When", "Credits", "What", "Job"]
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "": (),
    "active": (PENDING, PROCESSING),
    COMPLETED: (COMPLETED,),
    FAILED: (FAILED,),
    CANCELLED: (CANCELLED,),
}
STATUS_CHOICES = [
    ("Any status", ""),
    ("Queued or running", "active"),
    ("Completed", COMPLETED),
    ("Failed", FAILED),
    ("Cancelled", CANCELLED),
]
# The browser's time zone, so that cards show local times.
TZ_JS = "() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'"


def local_time(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    try:
        tz: Any = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    return value.replace(tzinfo=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def credits_text(view: Mapping[str, Any]) -> str:
    """Net credits: what the job cost after refunds."""
    if view["creditsRefunded"]:
        return f"{view['creditsNet']} credits ({view['creditsRefunded']} refunded)"
    return f"{view['creditsNet']} credits"


def card(job: Job, zone: str) -> dict[str, Any]:
    """What one card shows: the job's view (the one REST returns) plus local files."""
    view = job_view(job, urls=False)
    picture, video = local_cover(job) if job.status == COMPLETED else (None, None)
    return {
        "view": view,
        "picture": picture,
        "video": video,
        "when": local_time(job.created_at, zone),
        "progress": None if job.status in FINAL_STATES else card_progress_html(job),
    }


def listing(user: User, feature: str, status: str, page: int, zone: str) -> dict[str, Any]:
    """One page of cards and what the pager needs."""
    page = max(0, int(page or 0))
    jobs, total = list_jobs(
        user, PAGE_SIZE, page * PAGE_SIZE, feature or None, STATUS_FILTERS.get(status, ())
    )
    return {"cards": [card(j, zone) for j in jobs], "total": total, "page": page}


def _ledger_rows(user: User, zone: str) -> list[list[Any]]:
    return [
        [local_time(e.created_at, zone), e.amount, e.reason, e.job_id or ""]
        for e in ledger_history(user.id, limit=100)
    ]


def _pager(data: dict[str, Any]) -> tuple[Any, Any, str]:
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    page = data["page"]
    return (
        gr.Button(interactive=page > 0),
        gr.Button(interactive=page + 1 < pages),
        f"Page {page + 1} of {pages} · {data['total']} jobs",
    )


def _running(data: dict[str, Any]) -> bool:
    return any(c["view"]["status"] not in FINAL_STATES for c in data["cards"])


def history_tab(
    token: gr.BrowserState,
    badge: gr.HTML,
    tabs: gr.Tabs,
    forms: dict[str, dict[str, gr.components.Component]],
) -> tuple[Callable, list, list]:
    """The History tab; returns (fn, inputs, outputs) that refresh it."""
    with gr.Row(equal_height=False):
        feature_filter = gr.Dropdown(
            [("All features", "")] + [(f.title, f.id) for f in FEATURES.values()],
            value="",
            label="Feature",
            scale=2,
            min_width=160,
        )
        status_filter = gr.Dropdown(
            STATUS_CHOICES, value="", label="Status", scale=2, min_width=160
        )
        refresh_btn = gr.Button("Refresh", scale=0, min_width=100)
    zone = gr.Textbox(visible=False, elem_id="browser-tz")
    page = gr.Number(value=0, precision=0, visible=False)
    data = gr.State({"cards": [], "total": 0, "page": 0})
    message = gr.HTML()
    timer = gr.Timer(TICK_SECONDS, active=False)
    with gr.Column(visible=False, elem_id="job-detail") as detail:
        detail_text = gr.Markdown()
        detail_id = gr.Textbox(visible=False)
        detail_gallery = gr.Gallery(label="Outputs", columns=3, height=420)
        detail_video = gr.Video(label="Video", visible=False)
        with gr.Row():
            download_btn = gr.Button("Download files", size="sm")
            close_btn = gr.Button("Close", size="sm")
        detail_files = gr.File(label="Download", file_count="multiple")
    filters = [token, feature_filter, status_filter, page, zone]
    form_fields = [c for form in forms.values() for c in form.values()]
    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}

    def fresh(token_value: str, feature: str, status: str, page_value: float, zone_value: str):
        user = require_user(token_value)
        return user, listing(user, feature, status, int(page_value or 0), zone_value)

    def open_job(job_id: str) -> Callable:
        def show(token_value: str):
            try:
                job = get_job(require_user(token_value), job_id)
            except (gr.Error, StudioError):
                return (gr.skip(),) * 6
            view = job_view(job, urls=False)
            paths = local_outputs(job) if job.status == COMPLETED else []
            video = next((p for p in paths if p.endswith(".mp4")), None)
            text = f"**{view['title']}** · {view['status']} · {credits_text(view)}"
            if view["summary"]:
                text += f"\n\n{view['summary']}"
            return (
                gr.Column(visible=True),
                text,
                job.id,
                gallery_items(paths, job.metrics),
                gr.Video(value=video, visible=video is not None),
                paths,
            )

        return show

    def act(job_id: str, action: Callable[[User, str], Job], done: str) -> Callable:
        """A card button that changes a job (re-run, cancel), then refreshes the tab."""

        def handler(token_value, feature, status, page_value, zone_value):
            try:
                job = action(require_user(token_value), job_id)
            except (gr.Error, StudioError) as exc:
                error = message_html(getattr(exc, "message", str(exc)))
                return (error, *(gr.skip(),) * 7)
            text = message_html(done.format(status=job.status), "info")
            return (text, *refresh(token_value, feature, status, page_value, zone_value))

        return handler

    def remix(job_id: str) -> Callable:
        def handler(token_value: str):
            job = get_job(require_user(token_value), job_id)
            feature = FEATURES[job.feature]
            params = dict(job.params or {})
            if "seed" in params and params["seed"] is None and (job.metrics or {}).get("seeds"):
                params["seed"] = job.metrics["seeds"][0]  # the seed it actually used
            for upload in feature.uploads:
                if params.get(upload.name):
                    params[upload.name] = local_input(params[upload.name])
            updates = form_updates(feature, forms[feature.id], params)
            return {tabs: gr.Tabs(selected=feature.id), **updates}

        return shown_to_user(handler)

    @gr.render(inputs=data)
    def cards(current: dict[str, Any]):
        if not current["cards"]:
            gr.Markdown("No jobs here yet: each feature's tab starts one.")
            return
        with gr.Row(equal_height=False, elem_id="history-cards"):
            for item in current["cards"]:
                view = item["view"]
                with gr.Column(min_width=260, elem_classes="history-card"):
                    if item["video"]:
                        gr.Video(item["video"], height=200, show_label=False, interactive=False)
                    elif item["picture"]:
                        gr.Image(
                            item["picture"],
                            height=200,
                            show_label=False,
                            interactive=False,
                            elem_classes="history-thumb",
                        )
                    lines = [
                        f"**{view['title']}** · <span class='status-{view['status']}'>"
                        f"{view['status']}</span>",
                        f"{credits_text(view)} · {item['when']}",
                    ]
                    if view["summary"]:
                        lines.insert(1, view["summary"])
                    if view["error"]:
                        lines.append(f"*{view['error']}*")
                    if view["filesExpiredAt"]:
                        lines.append("*Its files were deleted after the retention period.*")
                    gr.Markdown("\n\n".join(lines), elem_classes="card-title")
                    if item["progress"]:
                        gr.HTML(item["progress"])
                    with gr.Row():
                        job_id = view["id"]
                        open_btn = gr.Button("Open", size="sm", min_width=60)
                        rerun_btn = gr.Button("Re-run", size="sm", min_width=60)
                        remix_btn = gr.Button("Remix", size="sm", min_width=60)
                        if view["status"] not in FINAL_STATES:
                            cancel_btn = gr.Button("Cancel", size="sm", variant="stop")
                            cancel_btn.click(
                                act(job_id, cancel, "Cancel requested: the job is {status}."),
                                filters,
                                [message, *refreshed],
                                **quiet,
                            )
                    with gr.Accordion("Details", open=False):
                        gr.JSON(
                            {
                                "id": job_id,
                                "settings": view["params"],
                                "metrics": view["metrics"],
                                "attempts": view["attempts"],
                                "processingTime": view["processingTime"],
                            },
                            show_label=False,
                        )
                    open_btn.click(
                        open_job(job_id),
                        token,
                        [
                            detail,
                            detail_text,
                            detail_id,
                            detail_gallery,
                            detail_video,
                            detail_files,
                        ],
                        **quiet,
                    )
                    rerun_btn.click(
                        act(job_id, rerun, "Re-run queued as a new job."),
                        filters,
                        [message, *refreshed],
                        **quiet,
                    )
                    remix_btn.click(remix(job_id), token, [tabs, *form_fields], **quiet)

    with gr.Row(equal_height=True):
        prev_btn = gr.Button("← Newer", size="sm", interactive=False, min_width=80)
        pager = gr.Markdown()
        next_btn = gr.Button("Older →", size="sm", interactive=False, min_width=80)
    with gr.Accordion("Credit transactions", open=False):
        ledger = gr.Dataframe(headers=LEDGER_COLUMNS, interactive=False, wrap=True)

    def refresh(token_value: str, feature: str, status: str, page_value: float, zone_value: str):
        try:
            user, new = fresh(token_value, feature, status, page_value, zone_value)
        except gr.Error:
            return (gr.skip(),) * 7
        older, newer, text = _pager(new)
        return (
            new,
            _ledger_rows(user, zone_value),
            badge_text(user),
            older,
            newer,
            text,
            gr.Timer(active=_running(new)),
        )

    refreshed = [data, ledger, badge, prev_btn, next_btn, pager, timer]

    def tick(token_value, feature, status, page_value, zone_value, current):
        """Look again while something runs; unchanged cards are not drawn again."""
        try:
            _, new = fresh(token_value, feature, status, page_value, zone_value)
        except gr.Error:
            return (*(gr.skip(),) * 6, gr.Timer(active=False))
        if new == current:
            return (*(gr.skip(),) * 6, gr.Timer(active=_running(new)))
        return refresh(token_value, feature, status, page_value, zone_value)

    timer.tick(tick, [*filters, data], refreshed, **quiet)
    gr.on(
        [refresh_btn.click, feature_filter.change, status_filter.change],
        lambda: 0,
        None,
        page,
        **quiet,
    ).then(refresh, filters, refreshed, api_name="ui_history", **quiet)
    prev_btn.click(lambda p: max(0, int(p or 0) - 1), page, page, **quiet).then(
        refresh, filters, refreshed, **quiet
    )
    next_btn.click(lambda p: int(p or 0) + 1, page, page, **quiet).then(
        refresh, filters, refreshed, **quiet
    )

    @shown_to_user
    def job_result(token: str, job_id: str) -> list[str]:
        """A finished job's output files, downloaded by gradio_client (token, job id)."""
        job = get_job(require_user(token, "reads"), job_id.strip())
        if job.status != COMPLETED:
            raise gr.Error(f"this job is {job.status} ({job.progress:.0f}%): no files yet")
        return local_outputs(job)

    download_btn.click(
        job_result, [token, detail_id], detail_files, api_name="ui_download_job", **quiet
    )
    # The same function for gradio_client, on inputs typed as plain strings (never shown).
    with gr.Column(visible=False):
        api_token, api_job = gr.Textbox(label="token"), gr.Textbox(label="job_id")
        api_files = gr.File(file_count="multiple")
        api_button = gr.Button()
    api_button.click(job_result, [api_token, api_job], api_files, api_name="job_result")
    close_btn.click(lambda: gr.Column(visible=False), None, detail, **quiet)
    return refresh, filters, refreshed
