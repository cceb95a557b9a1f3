"""The outside services this deployment configured, as pipelines see them."""

from __future__ import annotations

from typing import Any

from pipelines import Feature, Services, TextModel
from pipelines.sdxl.weights import active_preset
from studio.settings import get_settings


def configured_services() -> Services:
    """Services from the settings (a text model only when both its URL and name are set)."""
    settings = get_settings()
    text_model = None
    if settings.text_model_url and settings.text_model:
        text_model = TextModel(
            url=settings.text_model_url.rstrip("/"),
            model=settings.text_model,
            key=settings.text_model_key,
        )
    return Services(text_model=text_model)


def tiny_in_use() -> bool:
    """Whether jobs run on the built-in random-weight test model (no SDXL weights installed)."""
    settings = get_settings()
    return active_preset(settings.model_preset, settings.resolved_models_dir) == "tiny"


def quick_defaults(feature: Feature) -> dict[str, Any]:
    """The values a field takes when a submission leaves it out: the declared defaults, and
    the feature's quick test-model values while the tiny model is in use (the same for the
    UI, gradio_client and REST)."""
    return feature.defaults() | (feature.test_model_defaults if tiny_in_use() else {})
