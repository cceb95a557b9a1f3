"""One tab per feature: its form (derived from the declaration), live progress, results."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import gradio as gr
from anyio import to_thread

from pipelines import Feature, InputError
from pipelines.sdxl.styles import load_styles
from studio.errors import StudioError
from studio.models import COMPLETED, FINAL_STATES, Job
from ui.files import gallery_items, local_outputs, local_preview
from ui.forms import build_form, form_updates, form_values, recipe_from_png, run_label
from ui.guard import require_user, shown_to_user
from ui.media_previews import add_media_previews
from ui.progress import message_html, outcome_html, progress_html
from ui.status import badge_text
from worker.jobs import cancel, submit
from worker.services import quick_defaults

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.3
WATCH_SECONDS = 3600  # a browser watches a job this long; the job itself goes on regardless


def _style_preview(name: str) -> str:
    style = load_styles().get(name)
    if style is None:
        return ""
    return f"*{style.label}:* `{style.prompt}`  \n*Avoids:* `{style.negative_prompt}`"


def _show_result(feature: Feature, paths: list[str], metrics: dict | None = None) -> Any:
    """Gallery items (captioned from the job's `captions` metric), or the video player. The
    story's subtitles are burned into the picture; the .srt is a download, not a second track."""
    if feature.output_kind == "images":
        return gallery_items(paths, metrics)
    return next((p for p in paths if p.endswith(".mp4")), None)


def field_errors(feature: Feature, exc: StudioError | InputError) -> dict[str, str]:
    """{field name: message with the label the user sees} for an error about one field."""
    for f in feature.fields:
        if exc.field in (f.api_name, f.name):
            return {f.name: f"{f.label} {exc.message}"}
    return {}


def feature_tab(
    feature: Feature, token: gr.BrowserState, badge: gr.HTML
) -> dict[str, gr.components.Component]:
    """Build the tab inside the current gr.Tab: the form on the left, the job on the right.
    Returns the form's components by field name."""
    defaults = quick_defaults(feature)
    with gr.Row(equal_height=False, elem_classes="studio-workspace"):
        with gr.Column(scale=5, min_width=300, elem_classes="studio-form"):
            intro = f"{feature.description} · {feature.cost_rule}."
            if not feature.available:
                intro += " **Not available yet**; nothing is charged."
            gr.Markdown(intro, elem_classes="feature-intro")
            components, errors = build_form(feature, defaults)
            _extras(feature, components)
            if feature.available:
                add_media_previews(feature, components)
            with gr.Row(elem_classes="studio-actions"):
                run_btn = gr.Button(
                    run_label(feature, defaults),
                    variant="primary",
                    interactive=feature.available,
                    elem_id=f"{feature.id}-run",
                    scale=3,
                )
                stop_btn = gr.Button(
                    "Cancel",
                    variant="stop",
                    interactive=feature.available,
                    elem_id=f"{feature.id}-cancel",
                    scale=1,
                    min_width=90,
                )
        with gr.Column(scale=7, min_width=300, elem_classes="studio-result"):
            status = gr.HTML(elem_id=f"{feature.id}-status")
            if feature.output_kind == "images":
                result = gr.Gallery(
                    label="Result",
                    columns=2,
                    height=480,
                    format="png",
                    elem_id=f"{feature.id}-result",
                )
            else:
                result = gr.Video(label="Result", height=420, elem_id=f"{feature.id}-result")
            files = gr.File(label="Download", file_count="multiple")
    job_id = gr.State("")
    inputs = {token, *components.values()}
    hidden = {err: gr.Markdown(visible=False) for err in errors.values()}

    def refused(exc: StudioError | InputError) -> dict[Any, Any]:
        shown = field_errors(feature, exc)
        updates: dict[Any, Any] = dict(hidden)
        for name, text in shown.items():
            updates[errors[name]] = gr.Markdown(f"⚠ {text}", visible=True)
        text = next(iter(shown.values()), exc.message)
        updates[status] = message_html(text if not shown else f"Please fix: {text}")
        return updates

    async def run(values: dict):
        # Async: a watcher sleeps on the event loop instead of holding one of the server's
        # worker threads for the whole job; only the short database reads use a thread.
        # Nothing here raises to Gradio: an error shows in the result area or under its field,
        # so no overlay ever covers the form.
        try:
            user = await to_thread.run_sync(require_user, values[token], "writes")
            raw = form_values(feature, components, values)
            job = await to_thread.run_sync(submit, user, feature.id, raw)
        except (gr.Error, StudioError, InputError) as exc:
            if isinstance(exc, gr.Error):
                exc = StudioError(str(exc.message))
            yield refused(exc)
            return
        except Exception:  # noqa: BLE001 — the user sees a message, the log has the trace
            logger.exception("submitting a %s job failed", feature.id)
            yield {status: message_html("The studio could not queue this job; try again.")}
            return
        credits = await to_thread.run_sync(badge_text, user)
        yield {
            **hidden,
            job_id: job.id,
            status: progress_html(job),
            badge: credits,
            result: None,
            files: None,
        }
        shown_preview, shown_line = None, ""
        deadline = time.monotonic() + WATCH_SECONDS
        while job.status not in FINAL_STATES:
            if time.monotonic() > deadline:
                yield {status: message_html("Still running: it goes on, see History.", "info")}
                return
            await asyncio.sleep(POLL_SECONDS)
            job = await to_thread.run_sync(Job.get_by_id, job.id)
            update: dict[Any, Any] = {}
            line = progress_html(job)
            if line != shown_line:
                shown_line = update[status] = line
            if job.preview and job.progress != shown_preview and feature.output_kind == "images":
                shown_preview = job.progress
                update[result] = [await to_thread.run_sync(local_preview, job)]
            if update:
                yield update
        credits = await to_thread.run_sync(badge_text, user)
        done: dict[Any, Any] = {status: outcome_html(job), badge: credits}
        if job.status == COMPLETED:
            paths = await to_thread.run_sync(local_outputs, job)
            done |= {result: _show_result(feature, paths, job.metrics), files: paths}
        else:
            done |= {result: None}
        yield done

    def stop(values: dict) -> str:
        try:
            user = require_user(values[token])
            if not values[job_id]:
                return message_html("Nothing is running.", "info")
            job = cancel(user, values[job_id])
        except (gr.Error, StudioError) as exc:
            return message_html(getattr(exc, "message", str(exc)), "info")
        if job.status == "cancelled":
            return message_html("Cancelled; your credits were refunded.", "info")
        return message_html("Cancelling…", "info")

    run_btn.click(
        run,
        inputs=inputs,
        outputs=[job_id, status, badge, result, files, *errors.values()],
        api_name=f"ui_{feature.id}",
        api_visibility="private",
        concurrency_limit=None,
        show_progress="hidden",  # the job's own progress line replaces Gradio's overlay
    )
    stop_btn.click(
        stop,
        inputs={token, job_id},
        outputs=status,
        api_name=f"ui_cancel_{feature.id}",
        api_visibility="private",
        show_progress="hidden",
    )
    for name, component in components.items():
        # A field's message stays until that field changes.
        field_input: Any = component
        field_input.change(
            lambda: gr.Markdown(visible=False),
            None,
            errors[name],
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        )
    priced: list[Any] = [
        c for f, c in components.items() if feature.field(f).kind in ("int", "choice")
    ]
    if priced:

        def update_price(values: dict) -> str:
            return run_label(feature, {f: values[c] for f, c in components.items() if c in values})

        gr.on(
            [c.change for c in priced],
            update_price,
            inputs=set(priced),
            outputs=run_btn,
            api_name=f"ui_cost_{feature.id}",
            api_visibility="private",
            show_progress="hidden",
        )
    return components


def _extras(feature: Feature, components: dict[str, gr.components.Component]) -> None:
    """Helpers beside the form: a style preview and loading settings from a studio PNG."""
    style: Any = components.get("style")
    if style is not None and feature.field("style").choices == tuple(load_styles()):
        with gr.Accordion("What the style adds to the prompt", open=False):
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
