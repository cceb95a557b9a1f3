"""Cloth swap on a real photo (skimage's astronaut) with garments drawn here, on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines import FEATURES, PipelineError
from pipelines.cloth_swap import FEATURE, run
from tests.pipelines.conftest import RecordingContext

# Known regions of the astronaut photo (512x512), found by eye, independent of the pipeline.
FACE_BOX = (175, 65, 275, 180)  # x0, y0, x1, y1
TORSO_BOX = (125, 300, 270, 470)
TEE_COLOUR = (30, 90, 200)
DRESS_COLOUR = (20, 140, 70)
JACKET_COLOUR = (60, 60, 70)


def skimage_photo(name: str) -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / name


def draw_tshirt(path: Path, size: int = 600) -> Path:
    """A blue T-shirt with a knit texture and stripes, flat on a white background."""
    image = Image.new("RGB", (size, size), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    s = size / 600
    body = [(190, 110), (250, 90), (300, 120), (350, 90), (410, 110), (520, 200), (470, 260),
            (420, 220), (420, 540), (180, 540), (180, 220), (130, 260), (80, 200)]  # fmt: skip
    draw.polygon([(x * s, y * s) for x, y in body], fill=TEE_COLOUR)
    pixels = np.asarray(image).astype(np.int16)
    rng = np.random.default_rng(0)
    texture = rng.integers(-12, 13, pixels.shape[:2])[..., None]
    stripes = ((np.arange(size) // int(24 * s)) % 2 == 0)[:, None, None] * np.array([0, 25, 30])
    shirt = np.all(pixels == TEE_COLOUR, axis=-1)[..., None]
    pixels = np.where(shirt, pixels + texture + stripes, pixels)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)
    return path


def draw_dress(path: Path) -> Path:
    """A long green sleeveless dress with a flared skirt, on a light grey background."""
    image = Image.new("RGB", (400, 900), (215, 215, 218))
    draw = ImageDraw.Draw(image)
    outline = [(150, 60), (180, 50), (200, 80), (220, 50), (250, 60), (265, 300), (330, 860),
               (70, 860), (135, 300)]  # fmt: skip
    draw.polygon(outline, fill=DRESS_COLOUR)
    for y in range(320, 860, 40):  # pleats
        draw.line([(200, y - 20), (120 - (y - 300) // 12, y + 20)], fill=(10, 110, 50), width=4)
    image.save(path)
    return path


def draw_jacket(path: Path) -> Path:
    """A patterned jacket with long sleeves angled away from the body, on white."""
    image = Image.new("RGB", (700, 700), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    shape = [(250, 90), (320, 80), (350, 150), (380, 80), (450, 90), (560, 200), (660, 560),
             (600, 585), (480, 300), (480, 620), (220, 620), (220, 300), (100, 585), (40, 560),
             (140, 200)]  # fmt: skip
    draw.polygon(shape, fill=JACKET_COLOUR)
    for x in range(0, 700, 30):  # a check pattern
        draw.line([(x, 0), (x, 700)], fill=(120, 40, 40), width=3)
        draw.line([(0, x), (700, x)], fill=(120, 40, 40), width=3)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).polygon(shape, fill=255)
    Image.composite(image, Image.new("RGB", image.size, (255, 255, 255)), mask).save(path)
    return path


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
    original = pixels(skimage_photo("astronaut.png"))
    changed = {}
    for category in ("fitness", "traditional"):
        result, _, run_result, _ = swap("tshirt", category=category)
        changed[category] = np.any(result != original, axis=-1).mean()
        assert run_result.metrics["category"] == category
    assert changed["traditional"] >= 1.3 * changed["fitness"], changed


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
    from pipelines.cloth_swap import load_photo

    upright = Image.open(skimage_photo("astronaut.png")).convert("RGB")
    sideways = upright.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view": undoes the rotation above
    path = tmp_path / "sideways.jpg"
    sideways.save(path, exif=exif, quality=95)
    loaded = load_photo(path, "person")
    assert loaded.shape == (512, 512, 3)
    assert np.abs(loaded.astype(int) - np.asarray(upright).astype(int)).mean() < 6
