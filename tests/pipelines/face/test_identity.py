"""Identity lock and score on two real people (skimage's astronaut, matplotlib's Hopper)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.face import embedding, landmarks, transfer
from pipelines.face.poses import load_poses
from tests.samples import FACE_BOX, skimage_photo


def _hopper() -> Image.Image:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return Image.open(path).convert("RGB")


def _astronaut() -> Image.Image:
    return Image.open(skimage_photo("astronaut.png")).convert("RGB")


@pytest.fixture(scope="module")
def faces():
    astronaut, hopper = _astronaut(), _hopper()
    return {
        "astronaut": (astronaut, embedding.embed(astronaut)),
        "hopper": (hopper, embedding.embed(hopper)),
    }


def test_the_two_photos_are_two_people_and_a_copy_is_the_same(faces):
    (astronaut, a), (_, h) = faces["astronaut"], faces["hopper"]
    assert embedding.distance(a, h) > embedding.SAME_PERSON
    smaller = astronaut.resize((400, 400), Image.Resampling.LANCZOS)
    assert embedding.distance(a, embedding.embed(smaller)) < 0.2


def test_detect_takes_the_astronauts_own_face_not_the_patch():
    face = landmarks.detect(_astronaut())
    x0, y0, x1, y1 = face.box
    fx0, fy0, fx1, fy1 = FACE_BOX
    assert fx0 - 10 <= (x0 + x1) / 2 <= fx1 + 10 and fy0 - 10 <= (y0 + y1) / 2 <= fy1 + 10
    assert face.points.shape == (5, 2)
    assert landmarks.detect(Image.open(skimage_photo("coffee.png"))) is None


def test_hopper_locked_onto_the_astronaut_is_hopper_not_the_astronaut(faces, tmp_path):
    (astronaut, a), (hopper, h) = faces["astronaut"], faces["hopper"]
    reference = transfer.prepare(hopper)
    locked, method = transfer.lock_identity(reference, astronaut)
    assert method == "landmarks"
    result = embedding.embed(locked)
    assert embedding.distance(result, h) < 0.6
    assert embedding.distance(result, a) > 0.6
    # Only the face changed: the suit, the flag and the background are the astronaut's.
    before, after = np.asarray(astronaut, dtype=float), np.asarray(locked, dtype=float)
    assert np.abs(after[300:, :] - before[300:, :]).mean() < 1.0
    assert np.abs(after[65:180, 175:275] - before[65:180, 175:275]).mean() > 10
    locked.save(tmp_path / "hopper-on-astronaut.png")


def test_without_a_face_the_skeleton_eyes_place_it(faces):
    astronaut, a = faces["astronaut"]
    reference = transfer.prepare(astronaut)
    rng = np.random.default_rng(1)
    coarse = rng.normal(120, 35, (40, 26, 3)).clip(0, 255).astype(np.uint8)
    canvas = Image.fromarray(coarse).resize((416, 640), Image.Resampling.BICUBIC)
    boxes = {}
    for name in ("close-up", "standing"):
        pose = load_poses()[name]
        eyes = pose.eyes(canvas.size)
        locked, method = transfer.lock_identity(reference, canvas, eyes)
        assert method == "skeleton"
        face = landmarks.detect(locked)
        assert face is not None
        assert embedding.distance(embedding.embed(locked, face), a) < 0.6
        left, right = face.eyes
        assert np.allclose(left, eyes[0], atol=6) and np.allclose(right, eyes[1], atol=6)
        boxes[name] = face.width
    assert boxes["close-up"] > 1.5 * boxes["standing"]


def test_a_back_facing_pose_and_a_faceless_picture_are_left_as_they_are(faces):
    reference = transfer.prepare(faces["astronaut"][0])
    coffee = Image.open(skimage_photo("coffee.png")).convert("RGB")
    back = load_poses()["from-behind"]
    assert back.eyes(coffee.size) is None
    locked, method = transfer.lock_identity(reference, coffee, back.eyes(coffee.size))
    assert method == "none"
    assert np.array_equal(np.asarray(locked), np.asarray(coffee))
