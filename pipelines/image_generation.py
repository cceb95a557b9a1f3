"""Text-to-image with Stable Diffusion XL (the `image_generation` feature)."""

from __future__ import annotations

from typing import Any

from pipelines.features import Feature, Field, RunContext, RunResult
from pipelines.styles import load_styles

SIZE = {"minimum": 512, "maximum": 1536, "step": 64}


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """Generate numImages PNGs; see pipelines.sdxl for the recipe."""
    from pipelines.sdxl import generate_images  # torch/diffusers load only in the worker

    return generate_images(inputs, ctx)


FEATURE = Feature(
    id="image_generation",
    title="Image generation",
    slug="image-generation",
    description="Text to image with Stable Diffusion XL, in a choice of styles.",
    fields=(
        Field("prompt", "text", "Prompt", required=True, max_length=2000, multiline=True),
        Field("style", "choice", "Style", default="realistic", choices=tuple(load_styles())),
        Field("negative_prompt", "text", "Negative prompt", default="", max_length=2000),
        Field("width", "int", "Width", default=1024, **SIZE),
        Field("height", "int", "Height", default=1024, **SIZE),
        Field("steps", "int", "Steps", default=30, minimum=1, maximum=100),
        Field("num_images", "int", "Number of images", default=1, minimum=1, maximum=4),
        Field(
            "seed",
            "int",
            "Seed",
            default=None,
            minimum=0,
            maximum=2**32 - 1,
            help="Leave empty for a random seed; the same seed and settings give the same image.",
        ),
    ),
    output_kind="images",
    cost=lambda inputs: 2 * int(inputs.get("num_images") or 1),
    cost_rule="2 credits per image",
    run=run,
)
