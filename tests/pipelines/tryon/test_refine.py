"""The refinement stage is found only from local weights, and its band avoids the face."""

from __future__ import annotations

import numpy as np

from pipelines.tryon.refine import INPAINT_FOLDER, edge_band, find_inpainting_model


def test_no_local_inpainting_model_means_none(tmp_path):
    assert find_inpainting_model(tmp_path) is None


def test_a_diffusers_folder_in_the_models_dir_is_found(tmp_path):
    folder = tmp_path / INPAINT_FOLDER
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text("{}")
    assert find_inpainting_model(tmp_path) is None  # configs alone are not weights
    (folder / "unet" / "diffusion_pytorch_model.fp16.safetensors").write_bytes(b"")
    assert find_inpainting_model(tmp_path) == folder


def test_edge_band_hugs_the_edge_and_skips_the_face():
    alpha = np.zeros((100, 100), np.float32)
    alpha[30:70, 30:70] = 1
    face = np.zeros((100, 100), bool)
    face[:40] = True
    band = edge_band(alpha, face, 3)
    assert band[50, 30] and band[50, 69] and band[69, 50]
    assert not band[50, 50] and not band[10, 10]
    assert not (band & face).any()


def test_refinement_repaints_only_the_band(tiny_models_dir):
    """The tiny random-weight SDXL stands in for inpainting weights: the path runs end to end."""
    from pipelines.tryon.refine import refine_edges

    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (200, 160, 3), dtype=np.uint8)
    alpha = np.zeros((200, 160), np.float32)
    alpha[50:150, 40:120] = 1
    band = edge_band(alpha, np.zeros_like(alpha, bool), 4)
    refined = refine_edges(
        image, band, "a shirt", tiny_models_dir / "tiny-sdxl", "cpu", side=128, steps=4
    )
    assert refined.shape == image.shape and refined.dtype == np.uint8
    assert np.array_equal(refined[~band], image[~band])
    assert not np.array_equal(refined[band], image[band])


def test_refinement_region_covers_everything_changed_but_the_face():
    from pipelines.tryon.refine import garment_region

    garment = np.zeros((100, 100), np.float32)
    garment[40:80, 30:70] = 1
    edited = garment.copy()
    edited[30:40, 45:55] = 1  # restored skin at the neck, above the garment
    face = np.zeros((100, 100), bool)
    face[:32] = True
    region = garment_region(garment, edited, face, 3)
    assert region[60, 50] and region[35, 50] and region[60, 28]
    assert not region[10, 10] and not (region & face).any()
