"""Text-to-image with Stable Diffusion XL (the `image_generation` feature)."""

from __future__ import annotations

from typing import Any

from pipelines.declare import Feature, Field, RunContext, RunResult
from pipelines.sdxl.samplers import load_samplers
from pipelines.sdxl.styles import load_styles

SIZE = {"minimum": 512, "maximum": 1536, "step": 64}


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """Generate numImages PNGs; see pipelines.sdxl.generate for the recipe."""
    from pipelines.sdxl.generate import generate_images  # torch/diffusers load only in the worker

    return generate_images(inputs, ctx)


FEATURE = Feature(
    id="image_generation",
    title="Image generation",
    slug="image-generation",
    description="Text to image with Stable Diffusion XL, in a choice of styles.",
    fields=(
        Field("prompt", "text", "Prompt", required=True, max_length=2000, multiline=True),
        Field.options(
            "style",
            "Style",
            load_styles(),
            default="realistic",
        ),
        Field("negative_prompt", "text", "Negative prompt", default="", max_length=2000),
        Field("width", "int", "Width", default=1024, **SIZE),
        Field("height", "int", "Height", default=1024, **SIZE),
        Field("steps", "int", "Steps", default=30, minimum=1, maximum=100),
        Field("num_images", "int", "Number of images", default=1, minimum=1, maximum=4),
        Field.seed(
            "Leave empty for a random seed; the same seed and settings give the same image."
        ),
        Field(
            "guidance",
            "float",
            "Guidance (CFG)",
            default=None,
            minimum=0.0,
            maximum=30.0,
            help="How strictly to follow the prompt; empty uses the model's own value.",
            placeholder="model default",
        ),
        Field.options(
            "scheduler",
            "Sampler",
            load_samplers(),
            default="default",
        ),
        Field(
            "reference_image",
            "image",
            "Reference image (optional)",
            help="Image-to-image: the result starts from this picture.",
        ),
        Field(
            "strength",
            "float",
            "Reference strength",
            default=0.6,
            minimum=0.0,
            maximum=1.0,
            step=0.05,
            help="0 keeps the reference as it is, 1 ignores it.",
        ),
    ),
    output_kind="images",
    loads_recipe=True,
    test_model_defaults={"width": 512, "height": 512, "steps": 4},  # 30 steps at 1024² ≈ 50 s
    cost=lambda inputs: 2 * int(inputs.get("num_images") or 1),
    cost_rule="2 credits per image",
    priority=10,  # cheap: taken before queued videos
    run=run,
)
