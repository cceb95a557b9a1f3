"""Garment cut-out and key points on the drawn test garments."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines import PipelineError
from pipelines.features.cloth_swap import load_photo
from pipelines.tryon.garment import SLEEVE, TORSO, cut_out
from tests.samples import TEE_COLOUR, draw_dress, draw_jacket, draw_tshirt


def test_tshirt_has_sleeves_and_is_an_upper_garment(tmp_path):
    garment = cut_out(load_photo(draw_tshirt(tmp_path / "t.png"), "cloth"))
    assert garment.kind == "upper"
    assert garment.sleeves == {"left": True, "right": True}
    p = garment.points
    assert p["shoulder_left"][0] < p["neck"][0] < p["shoulder_right"][0]
    assert p["neck"][1] < p["mid_left"][1] < p["low_left"][1] < p["hem"][1]
    assert (
        p["sleeve_left"][0] < p["shoulder_left"][0]
        and p["sleeve_right"][0] > p["shoulder_right"][0]
    )
    assert (garment.part == SLEEVE).any() and (garment.part == TORSO).any()
    # The cut-out keeps the garment's colour (texture averages out) and drops the background.
    assert np.linalg.norm(garment.colour - np.array(TEE_COLOUR) - [0, 12, 15]) < 15


def test_dress_is_full_length_without_sleeves(tmp_path):
    garment = cut_out(load_photo(draw_dress(tmp_path / "d.png"), "cloth"))
    assert garment.kind == "full"
    assert garment.sleeves == {"left": False, "right": False}
    # The straps are the shoulders, not the flared skirt's edges.
    p = garment.points
    assert p["shoulder_right"][0] - p["shoulder_left"][0] < 0.5 * garment.rgb.shape[1]
    assert p["shoulder_left"][1] < 0.15 * garment.rgb.shape[0]


def test_jacket_sleeves_hang_apart_from_the_body(tmp_path):
    garment = cut_out(load_photo(draw_jacket(tmp_path / "j.png"), "cloth"))
    assert garment.kind == "upper" and all(garment.sleeves.values())
    # Long sleeves end below the armpits, far from the shoulders.
    assert garment.points["sleeve_left"][1] > garment.points["armpit_left"][1]


def test_studio_gradient_background(tmp_path):
    """A backdrop that darkens towards the corners is still background."""
    path = draw_tshirt(tmp_path / "t.png")
    shirt = np.asarray(Image.open(path)).astype(np.float32)
    yy, xx = np.mgrid[0:600, 0:600] / 600 - 0.5
    falloff = (1 - 0.5 * (xx**2 + yy**2))[..., None]
    backdrop = np.all(shirt == 250, axis=-1)[..., None]
    shaded = np.where(backdrop, shirt * falloff, shirt).astype(np.uint8)
    garment = cut_out(shaded)
    assert garment.sleeves == {"left": True, "right": True}
    assert garment.rgb.shape[0] < 0.85 * 600  # cropped to the shirt, not the whole photo


@pytest.mark.parametrize("colour", [(255, 255, 255), (128, 128, 128)])
def test_plain_photo_has_no_garment(colour):
    with pytest.raises(PipelineError, match="Garment not found"):
        cut_out(np.full((200, 200, 3), colour, np.uint8))


def test_white_garment_on_a_white_backdrop_is_found_by_its_outline(tmp_path):
    """A white top on a white sheet differs from it by a few levels and a faint shadow line."""
    from PIL import ImageDraw

    image = Image.new("RGB", (600, 600), (247, 247, 247))
    draw = ImageDraw.Draw(image)
    body = [(190, 110), (250, 90), (300, 120), (350, 90), (410, 110), (520, 200), (470, 260),
            (420, 220), (420, 540), (180, 540), (180, 220), (130, 260), (80, 200)]  # fmt: skip
    draw.polygon(body, fill=(240, 240, 241), outline=(222, 222, 224), width=2)
    garment = cut_out(np.asarray(image))
    assert garment.sleeves == {"left": True, "right": True}
    # The whole shirt, not a fragment: its box is the drawn one, within a few pixels.
    assert abs(garment.rgb.shape[1] - 441) < 12 and abs(garment.rgb.shape[0] - 451) < 12
    # The neck opening (where the inside back and label would be) is cut away.
    assert garment.neck_hole is not None and garment.neck_hole.any()
    assert garment.alpha[garment.neck_hole].max() < 0.5
