"""Put the warped garment on the person: occlusion, shading, feathered edges, face kept."""

from __future__ import annotations

import numpy as np

from pipelines.tryon import person as body
from pipelines.tryon.fit import Fit
from pipelines.tryon.garment import TORSO

SHADING_SIZE = 384  # shading is low-frequency: compute it on a small copy
SHADE_RANGE = (0.65, 1.3)
LIGHT_RANGE = (0.8, 1.2)


def dress(
    photo: np.ndarray,
    person: body.Person,
    garment_rgb: np.ndarray,
    garment_alpha: np.ndarray,
    garment_part: np.ndarray,
    fit: Fit,
    shading: float,
    preserve_face: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(the shaded garment layer as uint8 RGB, its final alpha): what blend() puts on the photo."""
    import cv2

    height, width = photo.shape[:2]
    sw = fit.shoulder_width

    # 1. Only the person changes: the garment is clipped to the person mask grown a little
    grow = max(2, int(0.03 * sw))
    # The model's mask is upsampled from a small grid: smooth its staircase before the cut.
    smooth = cv2.GaussianBlur(person.mask, (0, 0), max(1.0, 0.004 * max(width, height)))
    clip = cv2.dilate(
        (smooth > 0.5).astype(np.uint8),
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2),
    ).astype(np.float32)
    if fit.hem_below_hips:
        # A skirt hangs free of the legs: below the hips it may cover the background between them.
        clip[int(max(fit.hip_y, 0)) :] = 1.0

    # 2. Hands, and forearms in front of the torso, stay in front of the garment
    hands, forearms = _arm_masks(person, (height, width), sw)
    occluded = np.maximum(hands, forearms * (garment_part == TORSO))
    alpha = garment_alpha * clip * (1.0 - occluded)

    # 3. Feather the edges, then clip again so the feather never leaves the person
    sigma = max(1.0, 0.0015 * max(width, height))
    alpha = cv2.GaussianBlur(alpha, (0, 0), sigma) * cv2.GaussianBlur(clip, (0, 0), sigma)
    alpha[alpha < 2e-3] = 0.0

    # 4. Carry the person's folds and light onto the garment
    shade = _shading(photo, person.mask, alpha, shading)
    dressed = garment_rgb * shade[..., None]

    # 5. The original face (and hair line) is never covered
    if preserve_face:
        alpha[person.face_mask] = 0.0
    return np.clip(dressed + 0.5, 0, 255).astype(np.uint8), alpha


def blend(photo: np.ndarray, layer: np.ndarray, alpha: np.ndarray, rows: int = 512) -> np.ndarray:
    """The photo with the layer over it; pixels where alpha is 0 are copied, so they stay exact.

    Works in bands of rows so a 40-megapixel photo never needs a full float copy.
    """
    result = photo.copy()
    for top in range(0, photo.shape[0], rows):
        band = slice(top, top + rows)
        a = alpha[band, :, None]
        mixed = photo[band].astype(np.float32) * (1 - a) + layer[band].astype(np.float32) * a
        covered = alpha[band] > 0
        result[band][covered] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)[covered]
    return result


def _arm_masks(
    person: body.Person, shape: tuple[int, int], sw: float
) -> tuple[np.ndarray, np.ndarray]:
    """Soft masks of the visible hands and forearms, drawn as thick strokes between landmarks."""
    import cv2

    hands = np.zeros(shape, np.uint8)
    forearms = np.zeros(shape, np.uint8)
    arms = (
        (body.LEFT_ELBOW, body.LEFT_WRIST, body.LEFT_HAND),
        (body.RIGHT_ELBOW, body.RIGHT_WRIST, body.RIGHT_HAND),
    )
    for elbow, wrist, fingers in arms:
        if not person.visible(wrist):
            continue
        w = tuple(int(v) for v in person.point(wrist))
        for finger in fingers:
            if person.visible(finger, 0.3):
                f = tuple(int(v) for v in person.point(finger))
                cv2.line(hands, w, f, 1, max(2, int(0.16 * sw)))
        cv2.circle(hands, w, max(2, int(0.1 * sw)), 1, -1)
        if person.visible(elbow):
            e = tuple(int(v) for v in person.point(elbow))
            cv2.line(forearms, e, w, 1, max(2, int(0.2 * sw)))
    # Only where the person really is: strokes are wider than thin wrists.
    inside = (person.mask > 0.5).astype(np.uint8)
    return (hands & inside).astype(np.float32), (forearms & inside).astype(np.float32)


def _shading(photo: np.ndarray, mask: np.ndarray, alpha: np.ndarray, strength: float) -> np.ndarray:
    """Multiplicative shading: folds (local over regional brightness) and overall light."""
    import cv2

    height, width = photo.shape[:2]
    if not alpha.any() or strength <= 0:
        return np.ones((height, width), np.float32)
    factor = min(1.0, SHADING_SIZE / max(height, width))
    small = (max(1, round(width * factor)), max(1, round(height * factor)))
    grey = cv2.resize(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), small, interpolation=cv2.INTER_AREA)
    grey = grey.astype(np.float32) + 1.0
    weight = cv2.resize((mask > 0.5).astype(np.float32), small, interpolation=cv2.INTER_AREA)
    side = max(small)
    # Normalised convolution: the background never darkens or lightens the body's averages.
    # Folds are wider than print edges: a broader detail blur keeps folds and drops most badges.
    detail = _masked_blur(grey, weight, 0.01 * side)
    region = _masked_blur(grey, weight, 0.05 * side)
    folds = np.clip(detail / region, *SHADE_RANGE) ** strength
    covered = cv2.resize(alpha, small, interpolation=cv2.INTER_AREA) > 0.5
    mean = float(region[covered].mean()) if covered.any() else float(region.mean())
    light = np.clip(region / mean, *LIGHT_RANGE) ** (0.5 * strength)
    shade = (folds * light).astype(np.float32)
    return cv2.resize(shade, (width, height), interpolation=cv2.INTER_LINEAR)


def _masked_blur(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    sigma = max(sigma, 0.5)
    num = cv2.GaussianBlur(values * weight, (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    plain = cv2.GaussianBlur(values, (0, 0), sigma)
    return np.where(den > 1e-3, num / np.maximum(den, 1e-3), plain)
