"""Cloth swap on real catalogue photos: 2 models x 4 flat-lay garments (VITON-HD samples).

The photos are non-commercial test data read in place from ../shared/testdata/tryon; the
tests skip, saying why, where that folder is absent. What is measured is what a user sees:
the garment stays on the body, the torso takes the garment's colours, no trace of the old top
is left, and the face, hair and background are the photo's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.pipelines.conftest import RecordingContext

ROOT = Path(__file__).resolve().parents[3]
PHOTOS = ROOT.parent / "shared" / "testdata" / "tryon"
PEOPLE = ("human-00055_00.jpg", "human-01992_00.jpg")
GARMENTS = ("cloth-04743_00.jpg", "cloth-09164_00.jpg", "cloth-09176_00.jpg", "cloth-14673_00.jpg")
PAIRS = [(p, c) for p in PEOPLE for c in GARMENTS]

pytestmark = pytest.mark.skipif(
    not all((PHOTOS / name).is_file() for name in PEOPLE + GARMENTS),
    reason=f"the try-on test photos are not in {PHOTOS} (non-commercial data, not in the repo)",
)


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def lab(pixels: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(float)


def palette(pixels: np.ndarray, k: int) -> np.ndarray:
    """k Lab colour centres of an (n, 3) RGB sample."""
    import cv2

    samples = lab(pixels).astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    cv2.setRNGSeed(1)
    _, _, centres = cv2.kmeans(samples, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    return centres.astype(float)


def distance(pixels: np.ndarray, centres: np.ndarray, light_weight: float) -> np.ndarray:
    """Per pixel, the Lab distance to the nearest centre, lightness weighted."""
    w = np.array([light_weight, 1.0, 1.0])
    diff = (lab(pixels)[:, None, :] - centres[None]) * w
    return np.sqrt((diff**2).sum(-1)).min(axis=1)


def centre_crop(image: np.ndarray, share: float) -> np.ndarray:
    h, w = image.shape[:2]
    dy, dx = int(h * (1 - share) / 2), int(w * (1 - share) / 2)
    return image[dy : h - dy, dx : w - dx]


def torso_box(points: np.ndarray) -> tuple[int, int, int, int]:
    """Shoulders → hips from the pose, kept clear of arms hanging at the sides."""
    shoulders, hips = points[[11, 12], :2], points[[23, 24], :2]
    x0 = max(shoulders[:, 0].min(), hips[:, 0].min())
    x1 = min(shoulders[:, 0].max(), hips[:, 0].max())
    y0, y1 = shoulders[:, 1].max(), hips[:, 1].min()
    inset_x, inset_y = 0.1 * (x1 - x0), 0.08 * (y1 - y0)
    return int(x0 + inset_x), int(y0 + inset_y), int(x1 - inset_x), int(y1 - inset_y)


@pytest.fixture(scope="module")
def swaps(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict]:
    """Every pair run once through the feature, with what the checks need."""
    from pipelines.features.cloth_swap import run
    from pipelines.tryon.person import detect_person

    out = {}
    people = {name: rgb(PHOTOS / name) for name in PEOPLE}
    bodies = {name: detect_person(photo) for name, photo in people.items()}
    for person, cloth in PAIRS:
        work = tmp_path_factory.mktemp(f"{person[:12]}-{cloth[:12]}")
        ctx = RecordingContext(work_dir=work, models_dir=work / "models")
        inputs = {"person": PHOTOS / person, "cloth": PHOTOS / cloth, "category": "casual"}
        result = run(inputs, ctx)
        files = {o.name: o.path for o in result.outputs}
        out[(person, cloth)] = {
            "original": people[person],
            "body": bodies[person],
            "result": rgb(files["result.png"]),
            "alignment": rgb(files["alignment.png"]),
            "garment": rgb(PHOTOS / cloth),
            "metrics": result.metrics,
        }
    return out


@pytest.mark.parametrize(("person", "cloth"), PAIRS)
def test_every_pair_completes_at_the_photos_size(swaps, person, cloth):
    swap = swaps[(person, cloth)]
    assert swap["result"].shape == swap["alignment"].shape == swap["original"].shape
    assert swap["metrics"]["garmentType"] == "upper"
    assert not np.array_equal(swap["result"], swap["original"])


@pytest.mark.parametrize(("person", "cloth"), PAIRS)
def test_garment_stays_on_the_body_and_background_is_untouched(swaps, person, cloth):
    import cv2

    swap = swaps[(person, cloth)]
    original, result = swap["original"], swap["result"]
    margin = max(3, int(0.01 * max(original.shape[:2])))
    person_mask = (swap["body"].mask > 0.5).astype(np.uint8)
    grown = cv2.dilate(person_mask, np.ones((2 * margin + 1,) * 2, np.uint8)).astype(bool)
    changed = np.any(np.abs(result.astype(int) - original.astype(int)) > 8, axis=-1)
    outside = (changed & ~grown).sum() / changed.size
    assert outside < 0.01, f"{100 * outside:.2f}% of the image changed beyond the body"
    unchanged = np.all(result == original, axis=-1)[~grown].mean()
    assert unchanged >= 0.99, f"only {100 * unchanged:.1f}% of the background is untouched"


@pytest.mark.parametrize(("person", "cloth"), PAIRS)
def test_torso_takes_the_garments_colours(swaps, person, cloth):
    swap = swaps[(person, cloth)]
    x0, y0, x1, y1 = torso_box(swap["body"].landmarks)
    torso = swap["result"][y0:y1, x0:x1].reshape(-1, 3)
    garment = palette(centre_crop(swap["garment"], 0.4).reshape(-1, 3), 6)
    # Lightness counts little: the person's folds and light shade the garment.
    share = (distance(torso, garment, 0.3) < 14).mean()
    assert share >= 0.9, f"only {100 * share:.0f}% of the torso has the garment's colours"


@pytest.mark.parametrize(("person", "cloth"), PAIRS)
def test_no_trace_of_the_old_top(swaps, person, cloth):
    swap = swaps[(person, cloth)]
    original, result, body = swap["original"], swap["result"], swap["body"]
    x0, y0, x1, y1 = torso_box(body.landmarks)
    # The old top's colours from the belly: a V-neck shows skin higher up the torso.
    old = palette(original[(y0 + y1) // 2 : y1, x0:x1].reshape(-1, 3), 3)
    new = palette(centre_crop(swap["garment"], 0.4).reshape(-1, 3), 6)
    # The upper body: the person from the shoulders' top to the hips, face and hair left out.
    sw = abs(body.landmarks[11, 0] - body.landmarks[12, 0])
    top = int(body.landmarks[[11, 12], 1].min() - 0.25 * sw)
    bottom = int(body.landmarks[[23, 24], 1].mean())
    region = (body.mask > 0.5) & ~body.face_mask
    region[:top], region[bottom:] = False, False
    pixels = result[region]
    left = (distance(pixels, old, 1.0) < 8) & (distance(pixels, new, 0.3) >= 14)
    share = left.mean()
    assert share < 0.02, f"{100 * share:.1f}% of the upper body still has the old top's colour"


@pytest.mark.parametrize(("person", "cloth"), PAIRS)
def test_face_and_hair_are_the_photos_own(swaps, person, cloth):
    from skimage.metrics import structural_similarity

    swap = swaps[(person, cloth)]
    ys, xs = np.nonzero(swap["body"].face_mask)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    ssim = structural_similarity(
        swap["original"][box], swap["result"][box], channel_axis=2, data_range=255
    )
    assert ssim >= 0.98, ssim
