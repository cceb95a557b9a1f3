"""Cloth swap on a real photo (skimage's astronaut) with garments drawn here, on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines import PipelineError
from pipelines.features.cloth_swap import FEATURE, run
from pipelines.registry import FEATURES
from tests.pipelines.conftest import RecordingContext
from tests.samples import (
    DRESS_COLOUR,
    FACE_BOX,
    JACKET_COLOUR,
    TEE_COLOUR,
    TORSO_BOX,
    draw_dress,
    draw_jacket,
    draw_tshirt,
    skimage_photo,
)


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1]


@pytest.fixture(scope="module")
def garments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("garments")
    return {
        "tshirt": draw_tshirt(folder / "tshirt.png"),
        "dress": draw_dress(folder / "dress.png"),
        "jacket": draw_jacket(folder / "jacket.png"),
    }


@pytest.fixture
def swap(tmp_path: Path, garments: dict[str, Path]):
    """Run the feature with validated inputs; returns (result pixels, alignment, result, ctx)."""

    def go(cloth: str = "tshirt", person: Path | None = None, **fields):
        work = tmp_path / f"work-{len(list(tmp_path.iterdir()))}"
        work.mkdir()
        ctx = RecordingContext(work_dir=work, models_dir=tmp_path / "models")
        person = person or skimage_photo("astronaut.png")
        raw = {"person": person.read_bytes(), "cloth": garments[cloth].read_bytes(), **fields}
        inputs = FEATURE.validate(raw)
        # The worker hands uploads to run() as local files.
        for name in ("person", "cloth"):
            (work / f"{name}.png").write_bytes(inputs[name])
            inputs[name] = work / f"{name}.png"
        result = run(inputs, ctx)
        files = {o.name: o.path for o in result.outputs}
        return pixels(files["result.png"]), pixels(files["alignment.png"]), result, ctx

    return go


def test_declaration_is_available_with_the_garment_type_field():
    assert FEATURES["cloth_swap"] is FEATURE and FEATURE.available
    assert FEATURE.cost(FEATURE.defaults()) == 3
    assert FEATURE.field("garmentType").choices == ("auto", "upper", "full-length")
    assert FEATURE.defaults()["garment_type"] == "auto"


def test_tshirt_on_the_astronaut_keeps_face_and_background(swap):
    from skimage.metrics import structural_similarity

    from pipelines.tryon.person import detect_person

    original = pixels(skimage_photo("astronaut.png"))
    result, alignment, run_result, ctx = swap("tshirt", category="casual", preserve_face=True)

    # Outputs at the photo's size, progress reported in order, refinement honestly skipped.
    assert result.shape == alignment.shape == original.shape
    percents = [p for p, _ in ctx.calls]
    assert percents == sorted(percents) and len(percents) >= 5
    assert run_result.metrics["refinement"].startswith("skipped")

    # The face is the original one.
    ssim = structural_similarity(
        crop(original, FACE_BOX), crop(result, FACE_BOX), channel_axis=2, data_range=255
    )
    assert ssim >= 0.98

    # Outside the person (mask grown a few pixels) at least 99% of pixels are unchanged.
    import cv2

    person = (detect_person(original).mask > 0.5).astype(np.uint8)
    grown = cv2.dilate(person, np.ones((11, 11), np.uint8)).astype(bool)
    unchanged = np.all(result == original, axis=-1)[~grown].mean()
    assert unchanged >= 0.99

    # The torso now has the T-shirt's colour: distance to it at least halved.
    tee = np.array(TEE_COLOUR, np.float32)
    before = np.linalg.norm(crop(original, TORSO_BOX).reshape(-1, 3).mean(0) - tee)
    after = np.linalg.norm(crop(result, TORSO_BOX).reshape(-1, 3).mean(0) - tee)
    assert after <= 0.5 * before, (before, after)


@pytest.mark.parametrize(("cloth", "colour"), [("dress", DRESS_COLOUR), ("jacket", JACKET_COLOUR)])
def test_dress_and_jacket_move_the_torso_colour(swap, cloth, colour):
    original = pixels(skimage_photo("astronaut.png"))
    result, _, run_result, _ = swap(cloth, category="formal")
    target = np.array(colour, np.float32)
    before = np.linalg.norm(crop(original, TORSO_BOX).reshape(-1, 3).mean(0) - target)
    after = np.linalg.norm(crop(result, TORSO_BOX).reshape(-1, 3).mean(0) - target)
    assert after <= 0.5 * before, (before, after)
    if cloth == "dress":
        assert run_result.metrics["garmentType"] == "full-length"


def test_traditional_covers_more_of_the_body_than_fitness(swap):
    """More of the photo turns the T-shirt's blue (the old suit is replaced either way)."""
    original = pixels(skimage_photo("astronaut.png"))

    def blue(image: np.ndarray) -> np.ndarray:
        r, g, b = (image[..., c].astype(int) for c in range(3))
        return (b > r + 60) & (b > g + 30)

    covered = {}
    for category in ("fitness", "traditional"):
        result, _, run_result, _ = swap("tshirt", category=category)
        covered[category] = (blue(result) & ~blue(original)).mean()
        assert run_result.metrics["category"] == category
    assert covered["traditional"] >= 1.3 * covered["fitness"], covered


def test_garment_type_override(swap):
    _, _, upper, _ = swap("dress", category="casual", garment_type="upper")
    assert upper.metrics["garmentType"] == "upper" and upper.metrics["length"] == "hip"


@pytest.mark.parametrize("photo", ["coffee.png", None])
def test_a_photo_without_a_person_fails_saying_so(swap, tmp_path, photo):
    if photo is None:
        path = tmp_path / "plain.png"
        Image.new("RGB", (320, 240), (180, 180, 190)).save(path)
    else:
        path = skimage_photo(photo)
    with pytest.raises(PipelineError, match="(?i)no person"):
        swap("tshirt", person=path)


def test_a_blank_garment_photo_fails_saying_so(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 300), (255, 255, 255)).save(blank)
    ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path)
    inputs = {"person": skimage_photo("astronaut.png"), "cloth": blank, "category": "casual"}
    with pytest.raises(PipelineError, match="(?i)garment not found"):
        run(inputs, ctx)


def test_a_progress_callback_that_raises_stops_the_run(tmp_path, garments):
    class Cancelled(Exception):
        pass

    def cancel(percent: float, stage: str) -> None:
        if percent >= 30:
            raise Cancelled

    ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path, on_progress=cancel)
    inputs = {"person": skimage_photo("astronaut.png"), "cloth": garments["tshirt"]}
    with pytest.raises(Cancelled):
        run(inputs, ctx)
    assert not (tmp_path / "result.png").exists()


def test_exif_orientation_is_applied(tmp_path):
    from pipelines.features.cloth_swap import load_photo

    upright = Image.open(skimage_photo("astronaut.png")).convert("RGB")
    sideways = upright.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view": undoes the rotation above
    path = tmp_path / "sideways.jpg"
    sideways.save(path, exif=exif, quality=95)
    loaded = load_photo(path, "person")
    assert loaded.shape == (512, 512, 3)
    assert np.abs(loaded.astype(int) - np.asarray(upright).astype(int)).mean() < 6


def test_big_photos_are_analysed_small_and_blended_at_full_size(swap, monkeypatch):
    import cv2

    from pipelines.features import cloth_swap
    from pipelines.tryon.person import detect_person

    monkeypatch.setattr(cloth_swap, "WORK_SIDE", 320)  # the astronaut stands in for a big photo
    original = pixels(skimage_photo("astronaut.png"))
    result, _, run_result, _ = swap("tshirt", category="casual")
    assert result.shape == original.shape
    assert run_result.metrics["workingSize"] == [320, 320]
    person = (detect_person(original).mask > 0.5).astype(np.uint8)
    grown = cv2.dilate(person, np.ones((11, 11), np.uint8)).astype(bool)
    assert np.all(result == original, axis=-1)[~grown].mean() >= 0.99
    tee = np.array(TEE_COLOUR, np.float32)
    before = np.linalg.norm(crop(original, TORSO_BOX).reshape(-1, 3).mean(0) - tee)
    after = np.linalg.norm(crop(result, TORSO_BOX).reshape(-1, 3).mean(0) - tee)
    assert after <= 0.5 * before


def test_refinement_runs_when_an_inpainting_model_is_installed(
    tmp_path, garments, tiny_models_dir, monkeypatch
):
    """The tiny SDXL stands in for the inpainting weights: the stage runs and keeps the face."""
    from pipelines.tryon import refine

    models = tmp_path / "models"
    models.mkdir()
    (models / refine.INPAINT_FOLDER).symlink_to(tiny_models_dir / "tiny-sdxl")
    monkeypatch.setattr(refine, "SIDE", 256)
    monkeypatch.setattr(refine, "STEPS", 4)
    ctx = RecordingContext(work_dir=tmp_path, models_dir=models)
    person = skimage_photo("astronaut.png")
    result = run({"person": person, "cloth": garments["tshirt"], "category": "casual"}, ctx)
    assert result.metrics["refinement"] == f"applied: {refine.INPAINT_FOLDER}"
    assert "Refining the garment edges" in [stage for _, stage in ctx.calls]
    from pipelines.tryon.person import detect_person

    original, dressed = pixels(person), pixels(tmp_path / "result.png")
    face = detect_person(original).face_mask
    assert face[FACE_BOX[1] + 20 : FACE_BOX[3] - 30, FACE_BOX[0] + 20 : FACE_BOX[2] - 20].all()
    assert np.array_equal(original[face], dressed[face])
