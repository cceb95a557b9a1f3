"""What every tab shows about the account and the model in use."""

from __future__ import annotations

from pipelines.sdxl.weights import active_preset
from studio.models import User
from studio.settings import get_settings


def tiny_in_use() -> bool:
    settings = get_settings()
    return active_preset(settings.model_preset, settings.resolved_models_dir) == "tiny"


def badge_text(user: User | None) -> str:
    if user is None:
        return ""
    fresh = User.get_by_id(user.id)
    return f"**{fresh.email}** · **{fresh.credits} credits**"


def tiny_notice() -> str:
    if not tiny_in_use():
        return ""
    settings = get_settings()
    return (
        "**Test model in use.** No SDXL weights were found, so images come from the "
        "built-in `tiny` model (random weights, real SDXL architecture): they show noise-like "
        f"patterns, not your prompt. Put SDXL weights in `{settings.resolved_models_dir}` or the "
        "Hugging Face cache (see README) and restart."
    )
