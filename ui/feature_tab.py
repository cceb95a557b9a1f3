"""One tab per feature: its form (derived from the declaration), live progress, results."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import gradio as gr
from anyio import to_thread

from pipelines import Feature
from pipelines.sdxl.styles import load_styles
from studio.errors import StudioError
from studio.models import COMPLETED, FAILED, FINAL_STATES, Job
from ui.files import gallery_items, local_outputs, local_preview
from ui.forms import build_form, cost_text, form_updates, form_values, recipe_from_png
from ui.guard import as_gr_error, require_user, shown_to_user
from ui.media_previews import add_media_previews
from ui.status import badge_text, tiny_in_use
from worker.jobs import cancel, submit

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.3
WATCH_SECONDS = 3600  # a browser watches a job this long; the job itself goes on regardless


def _preset_defaults(feature: Feature) -> dict[str, Any]:
    """The feature's quick defaults while the tiny test model is in use."""
    return feature.test_model_defaults if tiny_in_use() else {}


def _style_preview(name: str) -> str:
    style = load_styles().get(name)
    if style is None:
        return ""
    return f"*{style.label}:* `{style.prompt}`  \n*Avoids:* `{style.negative_prompt}`"


def _show_result(feature: Feature, paths: list[str], metrics: dict | None = None) -> Any:
    """Gallery items (captioned from the job's `captions` metric), or the video player."""
    if feature.output_kind == "images":
        return gallery_items(paths, metrics)
    video = next((p for p in paths if p.endswith(".mp4")), None)
    subtitles = next((p for p in paths if p.endswith(".srt")), None)
    return gr.Video(value=video, subtitles=subtitles)


def feature_tab(
    feature: Feature, token: gr.BrowserState, badge: gr.Markdown
) -> dict[str, gr.components.Component]:
    """Build the tab inside the current gr.Tab; returns its form components by field name."""
    intro = f"{feature.description} · {feature.cost_rule}."
    if not feature.available:
        intro += " **Not available yet** — coming in a later release; nothing is charged."
    gr.Markdown(intro)
    components = build_form(feature, _preset_defaults(feature))
    _extras(feature, components)
    if feature.available:
        add_media_previews(feature, components)
    cost = gr.Markdown(cost_text(feature, feature.defaults()))
    with gr.Row():
        run_btn = gr.Button(
            "Generate",
            variant="primary",
            interactive=feature.available,
            elem_id=f"{feature.id}-run",
        )
        stop_btn = gr.Button("Cancel", variant="stop", interactive=feature.available)
    status = gr.Markdown()
    job_id = gr.State("")
    if feature.output_kind == "images":
        result = gr.Gallery(label="Result", columns=2, height=520, format="png")
    else:
        result = gr.Video(label="Result", height=420)
    files = gr.File(label="Download", file_count="multiple")

    inputs = {token, *components.values()}

    async def run(values: dict, progress=gr.Progress()):
        # Async: a watcher sleeps on the event loop instead of holding one of the server's
        # worker threads for the whole job; only the short database reads use a thread.
        user = await to_thread.run_sync(require_user, values[token])
        try:
            raw = form_values(feature, components, values)
            job = await to_thread.run_sync(submit, user, feature.id, raw)
        except StudioError as exc:
            raise as_gr_error(exc) from None
        credits = await to_thread.run_sync(badge_text, user)
        yield {job_id: job.id, status: f"Job `{job.id}` queued.", badge: credits}
        shown_preview = None
        deadline = time.monotonic() + WATCH_SECONDS
        while job.status not in FINAL_STATES:
            if time.monotonic() > deadline:
                yield {status: f"Job `{job.id}` is still {job.status}: it goes on, see History."}
                return
            await asyncio.sleep(POLL_SECONDS)
            job = await to_thread.run_sync(Job.get_by_id, job.id)
            progress(job.progress / 100, desc=job.stage)
            if job.preview and job.progress != shown_preview and feature.output_kind == "images":
                shown_preview = job.progress
                preview = await to_thread.run_sync(local_preview, job)
                yield {result: [preview], status: f"{job.stage} ({job.progress:.0f}%)"}
        credits = await to_thread.run_sync(badge_text, user)
        if job.status == COMPLETED:
            paths = await to_thread.run_sync(local_outputs, job)
            shown = _show_result(feature, paths, job.metrics)
            done = f"Done in {job.processing_time:.1f} s · {job.credits_charged} credits."
            if (job.metrics or {}).get("notice"):  # e.g. poses dropped from a set
                done += f" {job.metrics['notice']}"
            yield {result: shown, files: paths, status: done, badge: credits}
        elif job.status == FAILED:
            message = f"Failed: {job.error} Your {job.credits_charged} credits were refunded."
            yield {status: message, badge: credits, result: None}
        else:
            yield {status: "Cancelled; credits refunded.", badge: credits, result: None}

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
    priced: list[Any] = [
        c for f, c in components.items() if feature.field(f).kind in ("int", "choice")
    ]
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
    return components


def _extras(feature: Feature, components: dict[str, gr.components.Component]) -> None:
    """Helpers beside the form: a style preview and loading settings from a studio PNG."""
    style: Any = components.get("style")
    if style is not None and feature.field("style").choices == tuple(load_styles()):
        preview = gr.Markdown(_style_preview(feature.field("style").default))
        style.change(
            _style_preview,
            style,
            preview,
            api_name=f"ui_style_{feature.id}",
            api_visibility="private",
        )
    if feature.loads_recipe:
        with gr.Accordion("Load the settings of an image made here", open=False):
            png = gr.File(label="A PNG from AI Studio", file_types=[".png"])
        fields = list(components.values())

        @shown_to_user
        def load(path: str | None):
            if not path:
                return {}
            return form_updates(feature, components, recipe_from_png(path))

        png.upload(load, png, fields, api_name="ui_load_png", api_visibility="private")
