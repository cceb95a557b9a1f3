"""SDXL with a ControlNet OpenPose: pose-conditioned images, and a tiny one built offline.

With xinsir/controlnet-openpose-sdxl-1.0 installed (models_dir/controlnet-openpose-sdxl or
the Hugging Face cache), a pose skeleton steers the SDXL model the studio already loaded
(StableDiffusionXLControlNetPipeline.from_pipe: no second copy of the UNet). On the tiny
test model a tiny random-weight ControlNet of the real architecture, made from the tiny
UNet, runs the same code path. Nothing here downloads.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipelines.declare import RunContext, RunResult
from pipelines.sdxl.generate import (
    SAMPLER_NAMES,
    STEP_START,
    Denoise,
    GenerationRequest,
    Recipe,
    denoise,
    save_images,
    seed_list,
)
from pipelines.sdxl.samplers import load_samplers, scheduler_for
from pipelines.sdxl.styles import load_styles
from pipelines.sdxl.weights import TINY, file_lock, model_hash, resolve_model

log = logging.getLogger(__name__)

PRESET = "controlnet-openpose-sdxl"
REPO_ID = "xinsir/controlnet-openpose-sdxl-1.0"
LICENCE = "Apache-2.0 (xinsir/controlnet-openpose-sdxl-1.0)"
TINY_FOLDER = "tiny-controlnet-openpose"
TINY_SEED = 0
BUILD_VERSION = 3
MARKER = "tiny_controlnet.json"
# How strongly the skeleton steers; xinsir's card uses 1.0, a little less keeps the prompt's say.
CONDITIONING_SCALE = 0.9
# The tiny conditioning embedding: 4 stages = three stride-2 steps, the 8x of the latents.
TINY_EMBED = (8, 8, 16, 16)

_loaded: dict[tuple[str, str, str], Any] = {}
_loaded_lock = threading.Lock()


def _has_weights(folder: Path) -> bool:
    return (folder / "config.json").is_file() and any(
        f.suffix in (".safetensors", ".bin") for f in folder.glob("diffusion_pytorch_model*")
    )


def _hf_snapshot() -> Path | None:
    """The cached snapshot of the OpenPose ControlNet, without any network call."""
    from huggingface_hub import constants, try_to_load_from_cache

    found = try_to_load_from_cache(REPO_ID, "config.json", cache_dir=constants.HF_HUB_CACHE)
    if isinstance(found, str) and _has_weights(Path(found).parent):
        return Path(found).parent
    return None


def find_openpose(model_preset: str, models_dir: Path) -> Path | None:
    """The ControlNet OpenPose for this model: the tiny one for the tiny model, else the
    installed SDXL one (models_dir/controlnet-openpose-sdxl, then the HF cache), else None."""
    if model_preset == TINY:
        return ensure_tiny(models_dir)
    folder = Path(models_dir) / PRESET
    if _has_weights(folder):
        return folder
    return _hf_snapshot()


def is_built(target: Path) -> bool:
    marker = target / MARKER
    if not (marker.is_file() and _has_weights(target)):
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("version") == BUILD_VERSION
    except (OSError, ValueError):
        return False


def build_tiny(target: Path, unet: Any) -> Path:
    """A random-weight ControlNet shaped on `unet` (the tiny SDXL UNet), saved atomically."""
    import torch
    from diffusers import ControlNetModel

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        torch.manual_seed(TINY_SEED)
        # The real architecture: encoder copied from the UNet, zero convolutions, an 8x
        # conditioning embedding; random (not zero) outputs so the pose reaches the image.
        controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=TINY_EMBED)
        with torch.no_grad():
            zero_convs = [
                controlnet.controlnet_cond_embedding.conv_out,
                *controlnet.controlnet_down_blocks,
                controlnet.controlnet_mid_block,
            ]
            for conv in zero_convs:
                torch.nn.init.normal_(conv.weight, std=0.5)
        controlnet.save_pretrained(staging, safe_serialization=True)
        (staging / MARKER).write_text(
            json.dumps({"version": BUILD_VERSION, "seed": TINY_SEED, "note": "random weights"}),
            encoding="utf-8",
        )
        staging.chmod(0o755)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("built the tiny ControlNet OpenPose in %s", target)
    return target


def ensure_tiny(models_dir: Path) -> Path:
    """models_dir/tiny-controlnet-openpose, built once from the tiny SDXL's UNet."""
    from diffusers import UNet2DConditionModel

    target = Path(models_dir) / TINY_FOLDER
    if is_built(target):
        return target
    with file_lock(Path(models_dir) / f".{TINY_FOLDER}.lock"):
        if not is_built(target):
            sdxl = resolve_model(TINY, models_dir)
            unet = UNet2DConditionModel.from_pretrained(sdxl.path / "unet")
            build_tiny(target, unet)
    return target


def load_controlnet(path: Path, device: str, dtype: Any) -> Any:
    """The ControlNetModel at path on device, loaded once per (path, device, dtype)."""
    from diffusers import ControlNetModel

    key = (str(path), device, str(dtype))
    with _loaded_lock:
        if key not in _loaded:
            model = ControlNetModel.from_pretrained(path, dtype=dtype, local_files_only=True)
            _loaded[key] = model.to(device)
            log.info("loaded ControlNet %s on %s", path, device)
        return _loaded[key]


def generate_posed(
    request: GenerationRequest,
    pose_image: Any,
    controlnet_path: Path,
    ctx: RunContext,
    scale: float = CONDITIONING_SCALE,
) -> RunResult:
    """Like generate(), with the pose skeleton steering every image; same PNG recipe chunks
    (the studio chunk also names the ControlNet and its scale)."""
    from diffusers import StableDiffusionXLControlNetPipeline

    from pipelines.sdxl import runtime

    # 1. Prompt and seeds, as generate() makes them; the recipe names the ControlNet.
    request = replace(request, controlnet=controlnet_path.name, controlnet_scale=scale)
    prompt, negative = load_styles()[request.style].apply(request.prompt, request.negative_prompt)
    width, height, steps = request.width, request.height, request.steps
    seeds = seed_list(request.seed, request.count)
    pose = pose_image.convert("RGB").resize((width, height))

    # 2. Models: the cached SDXL pipeline and the ControlNet beside it.
    ctx.progress(0.0, "Loading model and ControlNet")
    model = resolve_model(ctx.model_preset, ctx.models_dir)
    if model.kind != "sdxl":
        raise ValueError(f"ControlNet OpenPose needs an SDXL model, got {model.preset}")
    guidance = model.guidance if request.guidance is None else float(request.guidance)
    device, dtype = runtime.pick_device(ctx.device)
    try:
        loaded, _ = runtime.load_pipeline(model, device, dtype)
        controlnet = load_controlnet(controlnet_path, device, dtype)
        ctx.progress(STEP_START, "Generating")
        with loaded.lock:
            loaded.pipe.scheduler = scheduler_for(request.scheduler, loaded.default_scheduler)
            runtime.prepare_for_size(loaded, width, height, request.count)
            pipe = StableDiffusionXLControlNetPipeline.from_pipe(loaded.pipe, controlnet=controlnet)
            pipe.set_progress_bar_config(disable=True)
            sampler = load_samplers()[request.scheduler].a1111 or SAMPLER_NAMES.get(
                type(pipe.scheduler).__name__, "Euler"
            )
            job = Denoise(prompt, negative, width, height, steps, guidance, seeds)
            images, seconds_per_step = denoise(
                pipe, model, ctx, job, image=pose, controlnet_conditioning_scale=scale
            )
        # 3. Save each image with its recipe, plus the ControlNet that shaped it.
        # seed and index are each image's own: save_images fills them in
        recipe = Recipe(
            request,
            prompt,
            negative,
            guidance,
            sampler,
            seed=0,
            model=model.preset,
            model_hash=model_hash(model),
            index=0,
        )
        outputs = save_images(images, seeds, recipe, ctx)
        metrics = {
            "device": device,
            "model": model.preset,
            "controlnet": controlnet_path.name,
            "secondsPerStep": round(seconds_per_step, 4),
            "seeds": seeds,
        }
    finally:
        runtime.free_memory(device)
    return RunResult(outputs=outputs, metrics=metrics)
