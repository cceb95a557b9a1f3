"""Voice and music previews beside a feature's form (free, bounded, no login needed)."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from pipelines import PipelineError
from pipelines.media.previews import preview_music, preview_voice
from studio.settings import get_settings

logger = logging.getLogger(__name__)

# TTS and MIDI rendering are cheap but not free: at most two previews run at a time
PREVIEW_LIMIT = {"concurrency_limit": 2, "concurrency_id": "media_preview"}


def _voice(style: str) -> tuple[int, Any]:
    """One sample sentence in the chosen voice style."""
    try:
        # the models directory may hold a user's own piper voice for this style
        return preview_voice(style, get_settings().resolved_models_dir)
    except PipelineError as exc:
        raise gr.Error(str(exc), title="No preview") from exc


def _music(mood: str) -> tuple[int, Any] | None:
    """Ten seconds of the chosen music mood (nothing for `none`)."""
    try:
        return preview_music(mood)
    except PipelineError as exc:
        raise gr.Error(str(exc), title="No preview") from exc


PREVIEWS = (
    # (form field, button, audio label, handler, API name)
    ("voice_style", "Preview voice", "Voice preview", _voice, "preview_voice"),
    ("background_music", "Preview music", "Music preview", _music, "preview_music"),
)


def add_media_previews(components: dict[str, gr.components.Component]) -> None:
    """Add "Preview voice" / "Preview music" buttons for the voice_style and background_music
    fields present in components; call inside the tab, after the form is built."""
    for field, button_text, audio_label, handler, api_name in PREVIEWS:
        if field not in components:
            continue
        with gr.Row():
            button = gr.Button(button_text, size="sm", variant="secondary")
            audio = gr.Audio(label=audio_label, type="numpy", interactive=False)
        button.click(
            handler,
            inputs=components[field],
            outputs=audio,
            api_name=api_name,
            api_visibility="public",
            **PREVIEW_LIMIT,
        )
