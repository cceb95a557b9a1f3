"""Depth of one picture, as disparity in [0, 1] (1 = nearest), and which source made it.

Sources, in order: Depth Anything V2 Small (Apache-2.0) in models_dir/depth-anything-v2-small,
then in the Hugging Face cache, then downloaded when online; the tiny random-weight Depth
Anything of the same architecture when the model preset is "tiny" (tests); otherwise the
procedural depth below, which needs no weights at all (OpenCV only).

Procedural depth: a ground-plane prior (lower rows are nearer, the way most photographs
are framed) combined with a segmentation of the picture into regions (Felzenszwalb). Each
region takes the depth of where it meets the ground (its lower rows), so a region is a flat
layer standing on the ground; regions touching the top edge that are smooth and bright are
sky and go to the back. Edges between regions become depth steps, which is what makes
parallax visible.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

REPO_ID = "depth-anything/Depth-Anything-V2-Small-hf"
MODEL_FOLDER = "depth-anything-v2-small"
TINY_FOLDER = "tiny-depth-anything"
PROCEDURAL = "procedural"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class DepthMap:
    """Disparity (H, W) float32 in [0, 1], 1 = nearest, and the source that made it."""

    disparity: np.ndarray
    source: str


def estimate_depth(image: np.ndarray, models_dir: Path, model_preset: str) -> DepthMap:
    """Depth of an RGB uint8 picture with the best source available here."""
    model = find_depth_model(Path(models_dir), model_preset)
    if model is None:
        return DepthMap(procedural_depth(image), PROCEDURAL)
    path, source = model
    try:
        return DepthMap(_model_depth(image, str(path)), source)
    except Exception:  # a broken download must not cost the user the video
        log.exception("depth model %s failed; using the procedural depth", path)
        return DepthMap(procedural_depth(image), PROCEDURAL)


def find_depth_model(models_dir: Path, model_preset: str) -> tuple[Path, str] | None:
    """(folder, source name) of the depth model to use, or None for the procedural depth."""
    if model_preset == "tiny":
        return ensure_tiny_depth(models_dir), TINY_FOLDER
    local = models_dir / MODEL_FOLDER
    if (local / "config.json").is_file():
        return local, MODEL_FOLDER
    cached = _hf_snapshot()
    if cached is not None:
        return cached, MODEL_FOLDER
    downloaded = _download()
    if downloaded is not None:
        return downloaded, MODEL_FOLDER
    return None


def _hf_snapshot() -> Path | None:
    from huggingface_hub import constants, try_to_load_from_cache

    found = try_to_load_from_cache(REPO_ID, "config.json", cache_dir=constants.HF_HUB_CACHE)
    if isinstance(found, str) and any(Path(found).parent.glob("model.safetensors")):
        return Path(found).parent
    return None


@cache  # one try per process: an offline machine must not wait on the network per keyframe
def _download() -> Path | None:
    """The model from the Hub when online (never in tests: they run offline)."""
    from huggingface_hub import constants, snapshot_download

    if constants.HF_HUB_OFFLINE:
        return None
    try:
        return Path(snapshot_download(REPO_ID, cache_dir=constants.HF_HUB_CACHE))
    except Exception as exc:  # noqa: BLE001 — offline, proxy, disk: procedural depth still works
        log.warning("could not download %s (%s); using the procedural depth", REPO_ID, exc)
        return None


def ensure_tiny_depth(models_dir: Path) -> Path:
    """models_dir/tiny-depth-anything: a random-weight Depth Anything, built offline once."""
    target = Path(models_dir) / TINY_FOLDER
    if (target / "model.safetensors").is_file():
        return target
    with _LOCK:
        if not (target / "model.safetensors").is_file():
            _build_tiny(target)
    return target


def _build_tiny(target: Path) -> None:
    import torch
    from transformers import (
        DepthAnythingConfig,
        DepthAnythingForDepthEstimation,
        Dinov2Config,
        DPTImageProcessor,
    )

    log.info("building the tiny depth model in %s", target)
    torch.manual_seed(0)
    backbone = Dinov2Config(
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        patch_size=14,
        image_size=518,
        out_features=["stage1", "stage2", "stage3", "stage4"],
        reshape_hidden_states=False,
    )
    config = DepthAnythingConfig(
        backbone_config=backbone,
        neck_hidden_sizes=[16] * 4,
        fusion_hidden_size=16,
        reassemble_hidden_size=32,
        head_hidden_size=16,
    )
    model = DepthAnythingForDepthEstimation(config).eval()
    with torch.no_grad():  # random init gives ~0 after the final ReLU: give the head a range
        model.head.conv3.weight.normal_(0.0, 1.0)
        model.head.conv3.bias.fill_(1.0)
    processor = DPTImageProcessor(
        do_resize=True,
        size={"height": 518, "width": 518},
        keep_aspect_ratio=True,
        ensure_multiple_of=14,
        do_normalize=True,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )
    staging = target.with_name(target.name + ".partial")
    model.save_pretrained(staging)
    processor.save_pretrained(staging)
    staging.replace(target)


@cache
def _pipeline(path: str) -> Any:
    from transformers import pipeline

    return pipeline("depth-estimation", model=path, device="cpu", local_files_only=True)


def _model_depth(image: np.ndarray, path: str) -> np.ndarray:
    import cv2
    from PIL import Image

    with _LOCK:  # one pipeline object per model, shared: run it one picture at a time
        result = _pipeline(path)(Image.fromarray(image))
    predicted = np.asarray(result["predicted_depth"].detach().float().cpu()).squeeze()
    height, width = image.shape[:2]
    predicted = cv2.resize(predicted.astype(np.float32), (width, height), cv2.INTER_LINEAR)
    return normalise(predicted)


def normalise(values: np.ndarray) -> np.ndarray:
    """Robustly to [0, 1] (1st to 99th percentile); a flat map becomes a middle plane."""
    low, high = np.percentile(values, [1, 99])
    if high - low < 1e-6:
        return np.full(values.shape, 0.5, np.float32)
    return np.clip((values - low) / (high - low), 0.0, 1.0).astype(np.float32)


def procedural_depth(image: np.ndarray, work_width: int = 320) -> np.ndarray:
    """Depth without weights: ground-plane prior + segmentation layers (see module doc)."""
    import cv2

    height, width = image.shape[:2]
    small_h = max(8, round(height * work_width / width))
    small = cv2.resize(image, (work_width, small_h), interpolation=cv2.INTER_AREA)
    rows = np.linspace(0.0, 1.0, small_h, dtype=np.float32)[:, None]
    horizon = 0.35
    ground = np.clip((rows - horizon) / (1 - horizon), 0, 1) ** 1.3 * 0.85 + 0.05
    ground = np.broadcast_to(ground, (small_h, work_width))

    # Felzenszwalb's graph segmentation (OpenCV contrib's implementation)
    segmenter = cv2.ximgproc.segmentation.createGraphSegmentation(
        sigma=1.0, k=500, min_size=max(20, small.size // 1500)
    )
    labels = segmenter.processImage(small)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    texture = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=3))
    count = labels.max() + 1
    layer = np.zeros(count, np.float32)
    ys = np.broadcast_to(np.arange(small_h)[:, None], labels.shape)
    for label in range(count):
        inside = labels == label
        rows_in = ys[inside]
        # where the region meets the ground: its lower rows, not the very lowest outlier
        contact = np.percentile(rows_in, 85) / max(1, small_h - 1)
        depth = float(np.clip((contact - horizon) / (1 - horizon), 0, 1) ** 1.3 * 0.85 + 0.05)
        touches_top = rows_in.min() == 0
        smooth = float(texture[inside].mean()) < 6.0
        bright = float(gray[inside].mean()) > 110
        if touches_top and smooth and bright and rows_in.mean() < small_h * 0.5:
            depth = 0.0  # sky
        layer[label] = depth
    layered = layer[labels]
    # Mostly layers (steps at region edges), a little of the smooth ground inside them.
    disparity = 0.6 * layered + 0.4 * ground * (layered > 0)
    disparity = cv2.medianBlur(disparity.astype(np.float32), 3)
    full = cv2.resize(disparity, (width, height), interpolation=cv2.INTER_NEAREST)
    return normalise(cv2.GaussianBlur(full, (0, 0), max(1.0, width / 640)))
