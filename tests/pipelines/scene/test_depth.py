"""Depth sources: the procedural depth with no weights, and the tiny Depth Anything."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines.scene.depth import (
    PROCEDURAL,
    TINY_FOLDER,
    estimate_depth,
    find_depth_model,
    procedural_depth,
)
from tests.samples import skimage_photo


def _photo(name: str) -> np.ndarray:
    return np.asarray(Image.open(skimage_photo(name)).convert("RGB"))


def test_procedural_depth_puts_the_ground_near_and_makes_layers():
    image = _photo("coffee.png")  # a cup on a table, seen from above the table
    disparity = procedural_depth(image)
    assert disparity.shape == image.shape[:2] and disparity.dtype == np.float32
    assert disparity.min() >= 0.0 and disparity.max() <= 1.0
    h = disparity.shape[0]
    assert disparity[-h // 5 :].mean() > disparity[: h // 5].mean() + 0.2  # bottom is nearer
    # layers: depth comes in steps at region edges, not only a smooth ramp
    steps = np.abs(np.diff(disparity, axis=1)) > 0.03
    assert steps.mean() > 0.002


def test_without_weights_the_procedural_depth_runs_and_says_so(tmp_path):
    depth = estimate_depth(_photo("chelsea.png"), tmp_path, "auto")
    assert depth.source == PROCEDURAL
    assert find_depth_model(tmp_path, "auto") is None  # offline, nothing installed


def test_the_tiny_depth_anything_builds_offline_and_runs(tmp_path):
    image = _photo("astronaut.png")
    depth = estimate_depth(image, tmp_path, "tiny")
    assert depth.source == TINY_FOLDER
    assert (tmp_path / TINY_FOLDER / "config.json").is_file()
    assert depth.disparity.shape == image.shape[:2]
    assert depth.disparity.min() >= 0.0 and depth.disparity.max() <= 1.0
    assert depth.disparity.std() > 0.01  # a real network's output, not a constant


def test_a_local_depth_anything_folder_is_preferred(tmp_path):
    from pipelines.scene.depth import MODEL_FOLDER, ensure_tiny_depth

    # the tiny model's files stand in for the real ones: same architecture and layout
    (tmp_path / "tiny").mkdir()
    built = ensure_tiny_depth(tmp_path / "tiny")
    built.rename(tmp_path / MODEL_FOLDER)
    folder, source = find_depth_model(tmp_path, "auto")
    assert source == MODEL_FOLDER and folder == tmp_path / MODEL_FOLDER
    depth = estimate_depth(_photo("coffee.png"), tmp_path, "auto")
    assert depth.source == MODEL_FOLDER


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png"])
def test_procedural_depth_is_quick_enough_for_a_keyframe(name):
    import time

    image = _photo(name)
    started = time.perf_counter()
    procedural_depth(image)
    assert time.perf_counter() - started < 10  # a generous bound: a stuck loop, not a benchmark
