"""Voice and music previews beside a feature's form (free, bounded, no login needed)."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from gradio.components import Component
from gradio.context import Context

from pipelines import Feature, Field, PipelineError
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


PREVIEWS = {
    # Field.preview → (button, audio label, handler, API name)
    "voice": ("Preview voice", "Voice preview", _voice, "preview_voice"),
    "music": ("Preview music", "Music preview", _music, "preview_music"),
}
_public: set[tuple[int, str]] = set()  # (Blocks, API name): each public endpoint once


def add_media_previews(feature: Feature, components: dict[str, Component]) -> None:
    """A preview button beside each field the feature declares a preview for; call inside
    the tab, after the form is built."""
    previewed = [f for f in feature.fields if f.preview in PREVIEWS and f.name in components]
    if not previewed:
        return
    # Folded: the players would push Generate down; one click opens them all.
    with gr.Accordion("Listen before you generate", open=False):
        for f in previewed:
            _preview(feature, f, components)


def _preview(feature: Feature, f: Field, components: dict[str, Component]) -> None:
    button_text, audio_label, handler, api_name = PREVIEWS[f.preview]
    with gr.Row():
        button = gr.Button(button_text, size="sm", variant="secondary")
        audio = gr.Audio(label=audio_label, type="numpy", interactive=False)
    # The first tab with this preview publishes it for gradio_client; the others are
    # the same function behind their own private names.
    key = (id(Context.root_block), api_name)
    public = key not in _public
    _public.add(key)
    button.click(
        handler,
        inputs=components[f.name],
        outputs=audio,
        api_name=api_name if public else f"ui_{api_name}_{feature.id}",
        api_visibility="public" if public else "private",
        **PREVIEW_LIMIT,
    )
