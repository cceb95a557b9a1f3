"""The outside services this deployment configured, as pipelines see them."""

from __future__ import annotations

from pipelines import Services, TextModel
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
