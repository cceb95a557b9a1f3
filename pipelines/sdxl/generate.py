"""Text-to-image with Stable Diffusion XL (or SD for sd-turbo): the image_generation recipe."""

from __future__ import annotations

import io
import json
import logging
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipelines.declare import Output, RunContext, RunResult
from pipelines.errors import PipelineError
from pipelines.sdxl.samplers import load_samplers, scheduler_for
from pipelines.sdxl.styles import load_styles
from pipelines.sdxl.weights import ResolvedModel, active_preset, model_hash, resolve_model

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
PREVIEWS_PER_JOB = 6
# Linear latent → RGB approximations (the factors ComfyUI and A1111 use for cheap previews).
LATENT_RGB = {
    "sdxl": [
        [0.3651, 0.4232, 0.4341],
        [-0.2533, -0.0042, 0.1068],
        [0.1076, 0.1111, -0.0362],
        [-0.3165, -0.2492, -0.2188],
    ],
    "sd": [
        [0.3512, 0.2297, 0.3227],
        [0.3250, 0.4974, 0.2350],
        [-0.2829, 0.1762, 0.2721],
        [-0.2120, -0.2616, -0.7177],
    ],
}
LATENT_RGB_BIAS = {"sdxl": [0.1084, -0.0175, -0.0011], "sd": [0.0, 0.0, 0.0]}


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
    model_hash: str = "",
    strength: float | None = None,
) -> str:
    """The "parameters" text AUTOMATIC1111 writes (and tools such as Civitai read)."""
    lines = [prompt]
    if negative:
        lines.append(f"Negative prompt: {negative}")
    fields = [
        f"Steps: {steps}",
        f"Sampler: {sampler}",
        f"CFG scale: {guidance:g}",
        f"Seed: {seed}",
        f"Size: {width}x{height}",
    ]
    if model_hash:
        fields.append(f"Model hash: {model_hash}")
    fields.append(f"Model: {model}")
    if strength is not None:
        fields.append(f"Denoising strength: {strength:g}")
    lines.append(", ".join(fields))
    return "\n".join(lines)


def save_png(image: Any, path: Path, width: int, height: int, texts: dict[str, str]) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    if image.size != (width, height):  # a custom VAE with another scale factor
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    info = PngInfo()
    for key, value in texts.items():
        info.add_text(key, value)
    image.save(path, format="PNG", pnginfo=info)


@dataclass(frozen=True)
class GenerationRequest:
    """One SDXL run: what to draw, how, and the file names to save it under.

    Image generation, story keyframes and the wave-2 features all describe their pictures
    with this, so the recipe chunks in every PNG are written by one function.
    """

    prompt: str
    style: str = "realistic"  # a name in data/styles.json: a template around the prompt
    negative_prompt: str = ""
    width: int = 1024
    height: int = 1024
    steps: int = 30
    count: int = 1
    seed: int | None = None  # seed, seed+1, … for the images; random when None
    guidance: float | None = None  # None: the model preset's own
    scheduler: str = "default"
    reference: Any = None  # a path, bytes or PIL image: image-to-image from it
    strength: float = 0.6
    name: str = "image"  # files are <name>_1.png, <name>_2.png, …
    controlnet: str = ""  # the ControlNet that steered it (pipelines/sdxl/controlnet.py), if any
    controlnet_scale: float | None = None

    @classmethod
    def from_inputs(cls, inputs: dict[str, Any]) -> GenerationRequest:
        """The request the image_generation feature's cleaned inputs describe."""
        strength = inputs.get("strength")
        return cls(
            prompt=inputs["prompt"],
            style=inputs["style"],
            negative_prompt=inputs.get("negative_prompt") or "",
            width=int(inputs["width"]),
            height=int(inputs["height"]),
            steps=int(inputs["steps"]),
            count=int(inputs.get("num_images") or 1),
            seed=inputs.get("seed"),
            guidance=inputs.get("guidance"),
            scheduler=inputs.get("scheduler") or "default",
            reference=inputs.get("reference_image"),
            strength=0.6 if strength is None else float(strength),
        )


def save_images(
    images: list[Any], seeds: list[int], recipe: Recipe, ctx: RunContext
) -> list[Output]:
    """`<name>_N.png` for each image, each carrying its own recipe (its seed and index)."""
    outputs = []
    request = recipe.request
    for index, (image, seed) in enumerate(zip(images, seeds, strict=True), start=1):
        path = Path(ctx.work_dir) / f"{request.name}_{index}.png"
        texts = replace(recipe, seed=seed, index=index).texts()
        save_png(image, path, request.width, request.height, texts)
        outputs.append(Output(path.name, path, "image/png"))
    return outputs


@dataclass(frozen=True)
class Recipe:
    """What made one image; written into its PNG in two forms from this one record."""

    request: GenerationRequest
    full_prompt: str
    full_negative: str
    guidance: float
    sampler: str
    seed: int
    model: str
    model_hash: str
    index: int

    @property
    def strength(self) -> float | None:
        return self.request.strength if self.request.reference is not None else None

    def studio(self) -> dict[str, Any]:
        """The `studio` JSON chunk: every setting, in the REST API's names (loads back)."""
        r = self.request
        steered = {"controlnet": r.controlnet, "controlnetScale": r.controlnet_scale}
        return {
            "prompt": r.prompt,
            "negativePrompt": r.negative_prompt,
            "style": r.style,
            "fullPrompt": self.full_prompt,
            "fullNegativePrompt": self.full_negative,
            "width": r.width,
            "height": r.height,
            "steps": r.steps,
            "guidance": self.guidance,
            "scheduler": r.scheduler,
            "sampler": self.sampler,
            "seed": self.seed,
            "strength": self.strength,
            "reference": r.reference is not None,
            "model": self.model,
            "modelHash": self.model_hash,
            "index": self.index,
        } | (steered if r.controlnet else {})

    def texts(self) -> dict[str, str]:
        """Both PNG text chunks: AUTOMATIC1111's `parameters` and the `studio` JSON."""
        r = self.request
        parameters = a1111_parameters(
            self.full_prompt,
            self.full_negative,
            steps=r.steps,
            sampler=self.sampler,
            guidance=self.guidance,
            seed=self.seed,
            width=r.width,
            height=r.height,
            model=self.model,
            model_hash=self.model_hash,
            strength=self.strength,
        )
        if r.controlnet:
            parameters += f", ControlNet: {r.controlnet} ({r.controlnet_scale:g})"
        return {"parameters": parameters, "studio": json.dumps(self.studio())}


def generate_images(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """The image_generation feature: its inputs as a request."""
    return generate(GenerationRequest.from_inputs(inputs), ctx)


def generate(request: GenerationRequest, ctx: RunContext) -> RunResult:
    """Generate request.count PNGs into ctx.work_dir, each with its recipe chunks."""
    from pipelines.sdxl import runtime

    # 1. Prompt: the style's template around the user's words, negatives merged.
    prompt, negative = load_styles()[request.style].apply(request.prompt, request.negative_prompt)
    width, height, steps = request.width, request.height, request.steps
    seeds = seed_list(request.seed, request.count)
    reference = _reference(request.reference, width, height)
    strength = request.strength

    # 2. Model: resolved by preset, loaded once and kept in the cache.
    ctx.progress(0.0, f"Loading model {active_preset(ctx.model_preset, ctx.models_dir)}…")
    model = resolve_model(ctx.model_preset, ctx.models_dir)
    guidance = model.guidance if request.guidance is None else float(request.guidance)
    device, dtype = runtime.pick_device(ctx.device)
    try:
        runtime.reset_peak_memory(device)
        loaded, load_seconds = runtime.load_pipeline(model, device, dtype)
        ctx.progress(STEP_START, "Generating")
        with loaded.lock:
            # 3. Sampler and memory plan for this job (the pipeline is shared: set both each time).
            loaded.pipe.scheduler = scheduler_for(request.scheduler, loaded.default_scheduler)
            plan = runtime.prepare_for_size(loaded, width, height, request.count)
            sampler = load_samplers()[request.scheduler].a1111 or SAMPLER_NAMES.get(
                type(loaded.pipe.scheduler).__name__, "Euler"
            )
            # 4. Denoise (text-to-image, or image-to-image from the reference).
            job = Denoise(prompt, negative, width, height, steps, guidance, seeds)
            if reference is None:
                images, seconds_per_step = denoise(loaded.pipe, model, ctx, job)
            elif strength * steps < 1:
                images, seconds_per_step = [reference.copy() for _ in seeds], 0.0  # nothing to do
            else:
                loaded.img2img().scheduler = loaded.pipe.scheduler
                images, seconds_per_step = denoise(
                    loaded.img2img(), model, ctx, job, image=reference, strength=strength
                )
        # 5. Save each image with its recipe.
        ctx.progress(96.0, "Saving images")
        digest = model_hash(model)
        # seed and index are each image's own: save_images fills them in
        recipe = Recipe(
            request,
            prompt,
            negative,
            guidance,
            sampler,
            seed=0,
            model=model.preset,
            model_hash=digest,
            index=0,
        )
        outputs = save_images(images, seeds, recipe, ctx)
        metrics = {
            "device": device,
            "dtype": str(dtype).removeprefix("torch."),
            "model": model.preset,
            "modelHash": digest,
            "modelPath": str(model.path),
            "memoryPlan": plan,
            "loadSeconds": round(load_seconds, 3),
            "secondsPerStep": round(seconds_per_step, 4),
            "peakMemoryMb": runtime.peak_memory_mb(device),
            "peakMemoryKind": "cuda_allocated" if device == "cuda" else "process_rss",
            "seeds": seeds,
        }
    finally:
        runtime.free_memory(device)
    return RunResult(outputs=outputs, metrics=metrics)


@dataclass(frozen=True)
class Denoise:
    """What one denoising run needs, whichever pipeline runs it."""

    prompt: str
    negative: str
    width: int
    height: int
    steps: int
    guidance: float
    seeds: list[int]


def _reference(source: Any, width: int, height: int) -> Any:
    """The reference image upright, in RGB, cropped to the output's aspect and sized to it."""
    if source is None or (isinstance(source, str | bytes) and not source):
        return None
    from PIL import Image, ImageOps

    if isinstance(source, Image.Image):
        upright = ImageOps.exif_transpose(source).convert("RGB")
    else:
        if isinstance(source, bytes | bytearray):
            source = io.BytesIO(source)
        with Image.open(source) as image:
            upright = ImageOps.exif_transpose(image).convert("RGB")
    return ImageOps.fit(upright, (width, height), Image.Resampling.LANCZOS)


def latent_preview(latents: Any, kind: str) -> Any:
    """A cheap RGB preview of the first latent: a linear map, no VAE decode."""
    import torch
    from PIL import Image

    factors = torch.tensor(LATENT_RGB[kind], dtype=torch.float32)
    bias = torch.tensor(LATENT_RGB_BIAS[kind], dtype=torch.float32)
    latent = latents[0].detach().to("cpu", torch.float32)
    rgb = torch.einsum("chw,cr->hwr", latent, factors) + bias
    pixels = ((rgb.clamp(-1, 1) + 1) * 127.5).to(torch.uint8).numpy()
    image = Image.fromarray(pixels)
    return image.resize((image.width * 4, image.height * 4), Image.Resampling.BILINEAR)


def denoise(
    pipe: Any,
    model: ResolvedModel,
    ctx: RunContext,
    job: Denoise,
    **extra: Any,
) -> tuple[list[Any], float]:
    """Run a diffusers pipeline once per seed; returns (PIL images, seconds per step).

    One image at a time: batched maths rounds differently, and an image must come out
    identical when its PNG's recipe is run again on its own.
    """
    import torch

    images: list[Any] = []
    step_seconds: list[float] = []
    preview_every = max(2, job.steps // PREVIEWS_PER_JOB)
    count = len(job.seeds)
    for index, seed in enumerate(job.seeds):
        # A CPU generator: the same seed gives the same image on a device, whatever the GPU.
        generator = torch.Generator("cpu").manual_seed(seed)
        marks = [time.perf_counter()]

        def on_step_end(
            pipe_: Any, i: int, _t: Any, callback_kwargs: dict, index=index, marks=marks
        ) -> dict:
            marks.append(time.perf_counter())
            total = getattr(pipe_, "num_timesteps", None) or job.steps  # img2img runs fewer
            done = (index + (i + 1) / total) / count
            preview = None
            if (i + 1) % preview_every == 0 and i + 1 < total and "latents" in callback_kwargs:
                preview = latent_preview(callback_kwargs["latents"], model.kind)
            stage = f"Step {i + 1}/{total}" + (
                f" of image {index + 1}/{count}" if count > 1 else ""
            )
            # May raise to cancel the job: let it propagate.
            ctx.progress(STEP_START + (STEP_END - STEP_START) * done, stage, preview=preview)
            return callback_kwargs

        try:
            result = pipe(
                prompt=job.prompt,
                negative_prompt=job.negative or None,
                width=job.width,
                height=job.height,
                num_inference_steps=job.steps,
                guidance_scale=job.guidance,
                generator=generator,
                callback_on_step_end=on_step_end,
                output_type="pil",
                **extra,
            )
        except torch.OutOfMemoryError as exc:
            raise PipelineError(
                f"Out of memory at {job.width}x{job.height}: try a smaller size."
            ) from exc
        images.append(result.images[0])
        step_seconds += [b - a for a, b in zip(marks, marks[1:], strict=False)]
    return images, (sum(step_seconds) / len(step_seconds) if step_seconds else 0.0)
