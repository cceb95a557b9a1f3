"""Text-to-image with Stable Diffusion XL (or SD for sd-turbo): the image_generation recipe."""

from __future__ import annotations

import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from pipelines.errors import PipelineError
from pipelines.features import Output, RunContext, RunResult
from pipelines.models import ResolvedModel, active_preset, resolve_model
from pipelines.styles import load_styles

log = logging.getLogger(__name__)

# The seed field's range; seed + i wraps inside it so every used seed can be entered again.
SEED_RANGE = 2**32
# AUTOMATIC1111's names for diffusers schedulers, for the "parameters" text chunk.
SAMPLER_NAMES = {
    "EulerDiscreteScheduler": "Euler",
    "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "HeunDiscreteScheduler": "Heun",
    "LMSDiscreteScheduler": "LMS",
    "KDPM2DiscreteScheduler": "DPM2",
    "KDPM2AncestralDiscreteScheduler": "DPM2 a",
    "DDIMScheduler": "DDIM",
    "PNDMScheduler": "PLMS",
    "UniPCMultistepScheduler": "UniPC",
    "LCMScheduler": "LCM",
}
STEP_START, STEP_END = 5.0, 95.0


def seed_list(seed: int | None, count: int) -> list[int]:
    """seed, seed+1, … (wrapping at 2**32), or random seeds when seed is None."""
    base = secrets.randbelow(SEED_RANGE) if seed is None else int(seed)
    return [(base + i) % SEED_RANGE for i in range(count)]


def a1111_parameters(
    prompt: str,
    negative: str,
    *,
    steps: int,
    sampler: str,
    guidance: float,
    seed: int,
    width: int,
    height: int,
    model: str,
) -> str:
    """The "parameters" text AUTOMATIC1111 writes (and tools such as Civitai read)."""
    lines = [prompt]
    if negative:
        lines.append(f"Negative prompt: {negative}")
    lines.append(
        f"Steps: {steps}, Sampler: {sampler}, CFG scale: {guidance:g}, Seed: {seed}, "
        f"Size: {width}x{height}, Model: {model}"
    )
    return "\n".join(lines)


def _save_png(image: Any, path: Path, width: int, height: int, texts: dict[str, str]) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    if image.size != (width, height):  # a custom VAE with another scale factor
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    info = PngInfo()
    for key, value in texts.items():
        info.add_text(key, value)
    image.save(path, format="PNG", pnginfo=info)


def generate_images(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """Generate inputs["num_images"] PNGs into ctx.work_dir; see the module docstring."""
    from pipelines import runtime

    prompt, negative = load_styles()[inputs["style"]].apply(
        inputs["prompt"], inputs.get("negative_prompt") or ""
    )
    width, height = int(inputs["width"]), int(inputs["height"])
    steps, count = int(inputs["steps"]), int(inputs.get("num_images") or 1)
    seeds = seed_list(inputs.get("seed"), count)

    ctx.progress(0.0, f"Loading model {active_preset(ctx.model_preset, ctx.models_dir)}…")
    model = resolve_model(ctx.model_preset, ctx.models_dir)
    device, dtype = runtime.pick_device(ctx.device)
    try:
        runtime.reset_peak_memory(device)
        loaded, load_seconds = runtime.load_pipeline(model, device, dtype)
        ctx.progress(STEP_START, "Generating")
        with loaded.lock:
            runtime.prepare_for_size(loaded, width, height, count)
            images, seconds_per_step = _denoise(
                loaded.pipe, model, ctx, prompt, negative, width, height, steps, seeds
            )
        ctx.progress(96.0, "Saving images")
        sampler = SAMPLER_NAMES.get(type(loaded.pipe.scheduler).__name__, "Euler")
        outputs = []
        for index, (image, seed) in enumerate(zip(images, seeds, strict=True), start=1):
            name = f"image_{index}.png"
            studio = {
                "prompt": inputs["prompt"],
                "negativePrompt": inputs.get("negative_prompt") or "",
                "style": inputs["style"],
                "fullPrompt": prompt,
                "fullNegativePrompt": negative,
                "width": width,
                "height": height,
                "steps": steps,
                "guidanceScale": model.guidance,
                "sampler": sampler,
                "seed": seed,
                "model": model.preset,
                "index": index,
            }
            parameters = a1111_parameters(
                prompt,
                negative,
                steps=steps,
                sampler=sampler,
                guidance=model.guidance,
                seed=seed,
                width=width,
                height=height,
                model=model.preset,
            )
            path = Path(ctx.work_dir) / name
            texts = {"parameters": parameters, "studio": json.dumps(studio)}
            _save_png(image, path, width, height, texts)
            outputs.append(Output(name, path, "image/png"))
        metrics = {
            "device": device,
            "dtype": str(dtype).removeprefix("torch."),
            "model": model.preset,
            "modelPath": str(model.path),
            "loadSeconds": round(load_seconds, 3),
            "secondsPerStep": round(seconds_per_step, 4),
            "peakMemoryMb": runtime.peak_memory_mb(device),
            "seeds": seeds,
        }
    finally:
        runtime.free_memory(device)
    return RunResult(outputs=outputs, metrics=metrics)


def _denoise(
    pipe: Any,
    model: ResolvedModel,
    ctx: RunContext,
    prompt: str,
    negative: str,
    width: int,
    height: int,
    steps: int,
    seeds: list[int],
) -> tuple[list[Any], float]:
    """Run the diffusers pipeline; returns (PIL images, seconds per step)."""
    import torch

    # CPU generators: the same seed gives the same image on a device, whatever the GPU model.
    generators = [torch.Generator("cpu").manual_seed(seed) for seed in seeds]
    start = time.perf_counter()
    finished = [start]

    def on_step_end(_pipe: Any, i: int, _t: Any, callback_kwargs: dict) -> dict:
        finished[0] = time.perf_counter()
        percent = STEP_START + (STEP_END - STEP_START) * (i + 1) / steps
        ctx.progress(percent, f"Step {i + 1}/{steps}")  # may raise to cancel: let it propagate
        return callback_kwargs

    try:
        result = pipe(
            prompt=prompt,
            negative_prompt=negative or None,
            width=width,
            height=height,
            num_inference_steps=steps,
            guidance_scale=model.guidance,
            num_images_per_prompt=len(seeds),
            generator=generators,
            callback_on_step_end=on_step_end,
            output_type="pil",
        )
    except torch.OutOfMemoryError as exc:
        raise PipelineError(
            f"Out of memory at {width}x{height} with {len(seeds)} image(s): "
            "try a smaller size or fewer images."
        ) from exc
    return list(result.images), (finished[0] - start) / steps
