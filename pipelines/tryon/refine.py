"""Optional refinement: SDXL inpainting over the classical result, at low strength.

The mask is everything the classical pass changed (the garment, the restored skin and
background) plus a band along the garment's edges; the classical result is the starting image,
so the garment's shape, colours and print survive while folds, seams and skin become
photographic. Runs only when SDXL inpainting weights are installed (models_dir/sdxl-inpainting
or the Hugging Face cache); never downloads them during a job, and reports why it was skipped.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pipelines.sdxl.weights import ResolvedModel

log = logging.getLogger(__name__)

INPAINT_REPO = "diffusers/stable-diffusion-xl-1.0-inpainting-0.1"
INPAINT_FOLDER = "sdxl-inpainting"
STRENGTH = 0.3  # low: smooth seams and skin, keep the garment
STEPS = 20
SIDE = 1024  # SDXL's native size: refine at it, paste back at the photo's size


def find_inpainting_model(models_dir: Path) -> Path | None:
    """A local SDXL inpainting diffusers folder, or None; never touches the network."""
    folder = Path(models_dir) / INPAINT_FOLDER
    if (folder / "model_index.json").is_file() and any((folder / "unet").glob("diffusion_*")):
        return folder
    from huggingface_hub import constants, try_to_load_from_cache

    found = try_to_load_from_cache(
        INPAINT_REPO, "model_index.json", cache_dir=constants.HF_HUB_CACHE
    )
    if isinstance(found, str) and any((Path(found).parent / "unet").glob("diffusion_*")):
        return Path(found).parent
    return None


def edge_band(alpha: np.ndarray, face: np.ndarray, width: int) -> np.ndarray:
    """A band `width` px wide each side of the garment's edge, never over the kept face."""
    import cv2

    inside = (alpha > 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1,) * 2)
    band = cv2.dilate(inside, kernel) - cv2.erode(inside, kernel)
    return (band > 0) & ~face


def garment_region(
    garment: np.ndarray, edited: np.ndarray, face: np.ndarray, width: int
) -> np.ndarray:
    """Everything the classical pass changed (garment, restored skin and background) and a
    band `width` px around the garment's edge, never over the kept face."""
    region = (edited > 0.05) | edge_band(garment, face, width)
    return region & ~face


def refine_edges(
    image: np.ndarray,
    band: np.ndarray,
    prompt: str,
    model_path: Path,
    device: str,
    seed: int = 0,
    side: int | None = None,
    steps: int | None = None,
) -> np.ndarray:
    """The image with the band repainted at low strength; pixels outside the band are kept."""
    import cv2
    import torch
    from diffusers import StableDiffusionXLInpaintPipeline
    from PIL import Image

    from pipelines.sdxl import runtime

    device, dtype = runtime.pick_device(device)
    model = ResolvedModel(
        preset=INPAINT_FOLDER,
        path=model_path,
        kind="sdxl",
        is_tiny=False,
        single_file=False,
        guidance=7.0,
        licence="CreativeML Open RAIL++-M",
    )
    loaded, _ = runtime.load_pipeline(model, device, dtype)
    height, width = image.shape[:2]
    factor = (side or SIDE) / max(height, width)
    size = (int(width * factor) // 8 * 8, int(height * factor) // 8 * 8)
    with loaded.lock:
        # The cached text-to-image pipeline shares its weights with the inpainting one.
        pipe = StableDiffusionXLInpaintPipeline.from_pipe(loaded.pipe)
        out = pipe(
            prompt=prompt,
            negative_prompt="blurry, deformed, extra limbs",
            image=Image.fromarray(image).resize(size),
            mask_image=Image.fromarray(band.astype(np.uint8) * 255).resize(size),
            strength=STRENGTH,
            num_inference_steps=steps or STEPS,
            generator=torch.Generator("cpu").manual_seed(seed),
            width=size[0],
            height=size[1],
        ).images[0]
    runtime.free_memory(device)
    painted = cv2.resize(np.asarray(out.convert("RGB")), (width, height), cv2.INTER_LANCZOS4)
    soft = cv2.GaussianBlur(band.astype(np.float32), (0, 0), 1.5)[..., None] * band[..., None]
    blended = image.astype(np.float32) * (1 - soft) + painted.astype(np.float32) * soft
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)
