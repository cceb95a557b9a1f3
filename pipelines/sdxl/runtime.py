"""Devices, a small cache of loaded pipelines, memory options and memory metrics."""

from __future__ import annotations

import gc
import logging
import resource
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.errors import ModelNotFound, PipelineError
from pipelines.sdxl.weights import ResolvedModel

log = logging.getLogger(__name__)

MAX_LOADED = 2
# Below this much free VRAM an SDXL pipeline does not fit beside its activations: offload.
OFFLOAD_BELOW_BYTES = 12 * 2**30
SEQUENTIAL_OFFLOAD_BELOW_BYTES = 6 * 2**30
LARGE_PIXELS = 1024 * 1024


def pick_device(requested: str = "auto") -> tuple[str, Any]:
    """(device, dtype) for a requested device: cuda/mps in float16, cpu in float32."""
    import torch

    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if requested == "auto":
        requested = "cuda" if cuda else "mps" if mps else "cpu"
    if requested == "cpu":
        return "cpu", torch.float32
    if (requested == "cuda" and cuda) or (requested == "mps" and mps):
        return requested, torch.float16
    if requested in ("cuda", "mps"):
        raise PipelineError(f"The {requested} device was requested but is not available here.")
    raise PipelineError(f"Unknown device {requested!r}: use auto, cpu, cuda or mps.")


@dataclass
class Loaded:
    """A pipeline in the cache; hold `lock` while running it (pipelines are not thread-safe)."""

    pipe: Any
    device: str
    dtype: Any
    load_seconds: float
    offloaded: bool = False
    memory_plan: list[str] = field(default_factory=list)
    default_scheduler: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _img2img: Any = None

    def img2img(self) -> Any:
        """The image-to-image pipeline on the same components (from_pipe: no second copy)."""
        if self._img2img is None:
            from diffusers import AutoPipelineForImage2Image

            self._img2img = AutoPipelineForImage2Image.from_pipe(self.pipe)
            self._img2img.set_progress_bar_config(disable=True)
        return self._img2img


_cache: OrderedDict[tuple[str, str, str], Loaded] = OrderedDict()
_cache_lock = threading.Lock()


def load_pipeline(model: ResolvedModel, device: str, dtype: Any) -> tuple[Loaded, float]:
    """The cached pipeline for (path, device, dtype), loading it if needed.

    Returns (entry, seconds spent loading now), 0 when it came from the cache.
    """
    key = (str(model.path), device, str(dtype))
    # One lock for lookups and loads: two jobs never load the same weights twice.
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key], 0.0
        while len(_cache) >= MAX_LOADED:
            # A job still running on the evicted pipeline keeps it alive until it ends.
            _cache.popitem(last=False)
            free_memory(device)
        start = time.perf_counter()
        entry = _load(model, device, dtype)
        entry.load_seconds = time.perf_counter() - start
        log.info("loaded %s on %s/%s in %.1f s", model.preset, device, dtype, entry.load_seconds)
        _cache[key] = entry
        return entry, entry.load_seconds


def clear_cache() -> None:
    """Drop every loaded pipeline (tests, model changes)."""
    with _cache_lock:
        _cache.clear()
    free_memory("cuda")


def _variant(folder: Path) -> str | None:
    """'fp16' when the folder holds only fp16 weight files (as presets are downloaded)."""
    unet = list((folder / "unet").glob("diffusion_pytorch_model*"))
    has_full = any(".fp16." not in f.name for f in unet)
    return "fp16" if unet and not has_full else None


def _load(model: ResolvedModel, device: str, dtype: Any) -> Loaded:
    import torch
    from diffusers import AutoencoderKL, AutoPipelineForText2Image, StableDiffusionXLPipeline
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    # Job progress goes to the job row; console progress bars only clutter worker logs.
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()

    kwargs: dict[str, Any] = {"dtype": dtype}
    if model.kind == "sdxl" and model.fp16_vae and dtype == torch.float16:
        kwargs["vae"] = AutoencoderKL.from_pretrained(model.fp16_vae, dtype=dtype)
    try:
        if model.single_file:
            cls = StableDiffusionXLPipeline if model.kind == "sdxl" else _sd_pipeline_class()
            if model.config:
                kwargs["config"] = str(model.config)
            pipe = cls.from_single_file(str(model.path), **kwargs)
        elif model.kind == "sdxl":
            pipe = StableDiffusionXLPipeline.from_pretrained(
                model.path, variant=_variant(model.path), local_files_only=True, **kwargs
            )
        else:
            pipe = AutoPipelineForText2Image.from_pretrained(
                model.path, variant=_variant(model.path), local_files_only=True, **kwargs
            )
    except (OSError, ValueError, KeyError) as exc:
        log.exception("could not load %s from %s", model.preset, model.path)
        hint = "they may be incomplete: install them again."
        if model.single_file and model.config is None:
            hint = (
                "a single-file checkpoint needs the configs of its base model: install "
                f"{'sdxl-base-1.0' if model.kind == 'sdxl' else 'sd-turbo'} too, or go online."
            )
        raise ModelNotFound(
            f"The weights of model {model.preset!r} could not be loaded ({type(exc).__name__}); "
            + hint
        ) from exc
    pipe.set_progress_bar_config(disable=True)
    plan = _cuda_memory_options(pipe) if device == "cuda" else []
    offloaded = "model_cpu_offload" in plan
    if not offloaded:
        pipe.to(device)
    return Loaded(
        pipe=pipe,
        device=device,
        dtype=dtype,
        load_seconds=0.0,
        offloaded=offloaded,
        memory_plan=plan,
        default_scheduler=pipe.scheduler,
    )


def _sd_pipeline_class():
    from diffusers import StableDiffusionPipeline

    return StableDiffusionPipeline


def _cuda_memory_options(pipe: Any) -> list[str]:
    """Fit the pipeline to the free VRAM; returns the memory plan it applied."""
    import torch

    free, _total = torch.cuda.mem_get_info()
    plan = []
    if free < SEQUENTIAL_OFFLOAD_BELOW_BYTES:
        # A 4–6 GB card: only one layer on the GPU at a time (slow, but it runs).
        log.info("%.1f GiB VRAM free: sequential CPU offload", free / 2**30)
        pipe.enable_attention_slicing()
        pipe.enable_sequential_cpu_offload()
        plan += ["attention_slicing", "sequential_cpu_offload", "model_cpu_offload"]
    elif free < OFFLOAD_BELOW_BYTES:
        log.info("%.1f GiB VRAM free: attention slicing + model CPU offload", free / 2**30)
        pipe.enable_attention_slicing()
        pipe.enable_model_cpu_offload()
        plan += ["attention_slicing", "model_cpu_offload"]
    try:
        import xformers  # noqa: F401  (optional GPU extra)
    except ImportError:
        return plan
    try:
        pipe.enable_xformers_memory_efficient_attention()
        plan.append("xformers")
    except (ImportError, RuntimeError, ValueError, NotImplementedError) as exc:
        log.warning("xformers is installed but unusable here: %s", exc)
    return plan


def prepare_for_size(loaded: Loaded, width: int, height: int, num_images: int) -> list[str]:
    """VAE slicing for batches and tiling for large images (they bound decode memory);
    returns the job's whole memory plan."""
    vae = loaded.pipe.vae
    (vae.enable_slicing if num_images > 1 else vae.disable_slicing)()
    (vae.enable_tiling if width * height > LARGE_PIXELS else vae.disable_tiling)()
    plan = list(loaded.memory_plan)
    if num_images > 1:
        plan.append("vae_slicing")
    if width * height > LARGE_PIXELS:
        plan.append("vae_tiling")
    return plan


def reset_peak_memory(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()


def peak_memory_mb(device: str) -> float:
    """CUDA's peak allocation since the last reset, else this process's peak RSS."""
    if device == "cuda":
        import torch

        return round(torch.cuda.max_memory_allocated() / 2**20, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def free_memory(device: str) -> None:
    """Give cached allocator memory back after a job (GPU only: on a CPU a full
    collection costs ~0.2 s a job and returns nothing the allocator would not reuse)."""
    if device in ("cuda", "mps"):
        import torch

        gc.collect()  # drop dead tensors first, so their blocks can be released
        if device == "cuda" and torch.cuda.is_available():
            torch.cuda.empty_cache()
        elif device == "mps" and torch.backends.mps.is_available():
            torch.mps.empty_cache()
