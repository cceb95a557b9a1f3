"""Put the warped garment on the person: old garment removed, occlusion, shading, soft seams.

Where the old garment shows and the new one does not cover, the photo is restored: skin
(the person's own colour, shaded like the body) where the pose says a body is, and the
background (or the lower garment) inpainted from around it elsewhere.
"""

from __future__ import annotations

import numpy as np

from pipelines.tryon import person as body
from pipelines.tryon.fit import Fit, between_arms
from pipelines.tryon.garment import TORSO
from pipelines.tryon.parsing import BodyParts

SHADING_SIZE = 384  # shading is low-frequency: compute it on a small copy
SHADE_RANGE = (0.6, 1.25)
LIGHT_RANGE = (0.85, 1.15)
CLASS_GAP = 18.0  # Lab distance (lightness weighted a third) between two colours of a garment
INPAINT_SIDE = 384  # the inpainted background is smooth: fill a small copy


def dress(
    photo: np.ndarray,
    person: body.Person,
    parts: BodyParts,
    garment_rgb: np.ndarray,
    garment_alpha: np.ndarray,
    garment_part: np.ndarray,
    fit: Fit,
    shading: float,
    preserve_face: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the layer as uint8 RGB, its alpha, the garment's own alpha): what blend() puts on the photo.

    The layer holds the restored skin and background under the new garment and the shaded
    garment over them; its alpha is 0 wherever the photo stays as it was.
    """
    import cv2

    height, width = photo.shape[:2]
    sw = fit.shoulder_width

    # 1. The garment stays inside the body's outline plus a small margin
    grow = max(2, int(0.02 * sw))
    # The model's mask is upsampled from a small grid: smooth its staircase before the cut.
    smooth = cv2.GaussianBlur(person.mask, (0, 0), max(1.0, 0.004 * max(width, height)))
    outline = (smooth > 0.5) | parts.top
    clip = cv2.dilate(
        outline.astype(np.uint8),
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2),
    ).astype(np.float32)
    if fit.kind == "full" and fit.hem_below_hips:
        # A skirt hangs free of the legs: below the hips it may cover the background between them.
        clip[int(max(fit.hip_y, 0)) :] = 1.0

    # 2. The torso part ends at the arms: beyond an arm is background, not more garment. Hands,
    # bare arms in front of the torso, and hair over the shoulders stay in front.
    hands, arms = _arm_masks(person, (height, width), sw, set(fit.sleeves))
    # Shoulder seams sit a little outside the joints: the limit starts a little outside them.
    beyond = (garment_part == TORSO) & ~between_arms(person, 0.08 * sw)
    bare = parts.skin & ~parts.top
    occluded = np.maximum(hands * (bare | (hands > 0)), arms * bare * (garment_part == TORSO))
    occluded = np.maximum(occluded, (parts.hair | beyond).astype(np.float32))
    alpha = garment_alpha * clip * (1.0 - occluded)

    # 3. Soft seams: feather the edges, then clip again so the feather never leaves the person
    sigma = max(1.0, 0.0015 * max(width, height))
    alpha = cv2.GaussianBlur(alpha, (0, 0), sigma) * cv2.GaussianBlur(clip, (0, 0), sigma)
    alpha[alpha < 2e-3] = 0.0
    if preserve_face:
        alpha[person.face_mask] = 0.0

    # 4. The person's folds and light (albedo divided out) carried onto the garment
    shade = _shading(photo, parts, alpha, shading)
    dressed = garment_rgb * shade[..., None]

    # 5. The old garment, where the new one leaves it showing, becomes skin or background
    old = cv2.dilate(parts.top.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    old &= ~person.face_mask & ~parts.hair & ~(hands > 0)
    fill = _restore(photo, parts, old, shade)
    soft_old = cv2.GaussianBlur(old.astype(np.float32), (0, 0), sigma) * old
    total = alpha + soft_old * (1 - alpha)
    layer = dressed * alpha[..., None] + fill * (soft_old * (1 - alpha))[..., None]
    layer /= np.maximum(total, 1e-4)[..., None]
    if preserve_face:
        total[person.face_mask] = 0.0
    return np.clip(layer + 0.5, 0, 255).astype(np.uint8), total, alpha


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


def _restore(photo: np.ndarray, parts: BodyParts, old: np.ndarray, shade: np.ndarray) -> np.ndarray:
    """What the photo would show without the old garment: skin on the body, inpainting beside."""
    import cv2

    height, width = photo.shape[:2]
    fill = photo.astype(np.float32)
    if not old.any():
        return fill
    # Beside the body (and below the hips): the background or lower garment, from around it.
    factor = min(1.0, INPAINT_SIDE / max(height, width))
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    small = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    hole = cv2.resize(old.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    hole = cv2.dilate(hole, np.ones((3, 3), np.uint8))
    painted = cv2.inpaint(small, hole, 5, cv2.INPAINT_TELEA)
    painted = cv2.resize(painted, (width, height), interpolation=cv2.INTER_LINEAR)
    fill[old] = painted[old]
    # On the body: the colour of the person's skin nearby (arms, neck, else the face), with the
    # body's shading.
    # The neck is filled from the neck's own skin above it (the inpainting already did that).
    skin = old & parts.skin_zone & ~parts.neck
    if skin.any():
        # Skin samples away from their edges (edges mix in garment, hair and backdrop); the
        # nearest ones count most, wider ones fill in, the face's colour where none is near.
        sample = (parts.skin & ~parts.hair).astype(np.uint8)
        sample = cv2.resize(sample, size, interpolation=cv2.INTER_NEAREST)
        sample = cv2.erode(sample, np.ones((3, 3), np.uint8)).astype(np.float32)
        colour = parts.skin_rgb[None, None] * np.ones((size[1], size[0], 1), np.float32)
        for sigma in (0.1, 0.04, 0.015):
            s = sigma * max(size)
            local = np.dstack(
                [_masked_blur(small[..., c].astype(np.float32), sample, s) for c in range(3)]
            )
            near = np.clip(cv2.GaussianBlur(sample, (0, 0), s) * 10, 0, 1)[..., None]
            colour = local * near + colour * (1 - near)
        colour = cv2.resize(colour, (width, height), interpolation=cv2.INTER_LINEAR)
        skin_shade = np.clip(shade, 0.8, 1.1)[..., None]
        fill[skin] = (colour * skin_shade)[skin]
    return fill


def _arm_masks(
    person: body.Person, shape: tuple[int, int], sw: float, sleeved: set[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the visible hands and arms, drawn as thick strokes between landmarks.

    An upper arm under a new sleeve is left out: the sleeve, not the arm, is in front there.
    """
    import cv2

    hands = np.zeros(shape, np.uint8)
    arms = np.zeros(shape, np.uint8)
    limbs = (
        (body.LEFT_SHOULDER, body.LEFT_ELBOW, body.LEFT_WRIST, body.LEFT_HAND),
        (body.RIGHT_SHOULDER, body.RIGHT_ELBOW, body.RIGHT_WRIST, body.RIGHT_HAND),
    )
    leftmost = min(limbs, key=lambda limb: person.point(limb[0])[0])
    for shoulder, elbow, wrist, fingers in limbs:
        side = "left" if (shoulder, elbow, wrist, fingers) == leftmost else "right"
        if person.visible(elbow, 0.3) and side not in sleeved:
            e = tuple(int(v) for v in person.point(elbow))
            s = tuple(int(v) for v in person.point(shoulder))
            cv2.line(arms, s, e, 1, max(2, int(0.3 * sw)))
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
            cv2.line(arms, e, w, 1, max(2, int(0.3 * sw)))
    # Only where the person really is: strokes are wider than thin wrists.
    inside = (person.mask > 0.5).astype(np.uint8)
    return (hands & inside).astype(np.float32), (arms & inside).astype(np.float32)


def _shading(photo: np.ndarray, parts: BodyParts, alpha: np.ndarray, strength: float) -> np.ndarray:
    """Multiplicative shading: the photo's lightness over its albedo, then softened.

    The albedo is each pixel's colour class (the old garment's few colours): a print or a
    two-colour top divides out, its folds and the body's light stay. Where the old garment did
    not cover (skin, arms), the shading is carried in smoothly from around.
    """
    import cv2

    height, width = photo.shape[:2]
    if not alpha.any() or strength <= 0:
        return np.ones((height, width), np.float32)
    factor = min(1.0, SHADING_SIZE / max(height, width))
    small = (max(1, round(width * factor)), max(1, round(height * factor)))
    lab = cv2.cvtColor(cv2.resize(photo, small, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2LAB)
    lab = lab.astype(np.float32)
    light = lab[..., 0] + 1.0
    top = cv2.resize(parts.top.astype(np.uint8), small, interpolation=cv2.INTER_NEAREST) > 0
    albedo = np.zeros_like(light)
    known = np.zeros_like(light)
    if top.sum() >= 20:
        # Pixels of one colour class share an albedo: their mean lightness.
        classes = _ab_classes(lab, lab[top])
        # A class's border pixels mix two colours: they are left to the blur below.
        for c in np.unique(classes[top]):
            members = top & (classes == c)
            albedo[members] = float(np.median(light[members]))
            core = cv2.erode(members.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            known[core] = 1.0
    ratio = np.where(known > 0, light / np.maximum(albedo, 1.0), 1.0)
    # Fill the unknown (background, face) from the known around it, then soften a little.
    side = max(small)
    ratio = _masked_blur(ratio.astype(np.float32), known, 0.004 * side) * (known > 0) + (
        _masked_blur(ratio.astype(np.float32), known, 0.05 * side) * (known == 0)
    )
    folds = np.clip(ratio, *SHADE_RANGE)
    region = _masked_blur(folds, known, 0.08 * side)
    detail = np.clip(folds / np.maximum(region, 1e-3), *SHADE_RANGE) ** strength
    light_field = np.clip(region, *LIGHT_RANGE) ** (0.5 * strength)
    shade = (detail * light_field).astype(np.float32)
    return cv2.resize(shade, (width, height), interpolation=cv2.INTER_LINEAR)


def _ab_classes(lab: np.ndarray, samples: np.ndarray, k: int = 4) -> np.ndarray:
    """Each pixel's nearest colour class of the samples (the garment's distinct colours).

    Lightness counts a third: folds of one colour stay one class, a dark trim on a light top
    does not. Fewer classes are kept when k of them would split one colour by its folds.
    """
    import cv2

    weight = np.array([0.35, 1.0, 1.0], np.float32)
    rng = np.random.default_rng(0)
    if len(samples) > 3000:
        samples = samples[rng.choice(len(samples), 3000, replace=False)]
    samples = samples * weight
    centres = samples.mean(axis=0, keepdims=True)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    for count in range(min(k, len(samples) // 10), 1, -1):
        cv2.setRNGSeed(0)
        _, _, found = cv2.kmeans(samples.astype(np.float32), count, None, criteria, 2,
                                 cv2.KMEANS_PP_CENTERS)  # fmt: skip
        gaps = np.linalg.norm(found[:, None] - found[None], axis=-1)
        if gaps[np.triu_indices(count, 1)].min() > CLASS_GAP:
            centres = found
            break
    diff = lab[:, :, None, :] * weight - centres[None, None]
    return np.argmin((diff**2).sum(-1), axis=-1)


def _masked_blur(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    sigma = max(sigma, 0.5)
    num = cv2.GaussianBlur(values * weight, (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    plain = cv2.GaussianBlur(values, (0, 0), sigma)
    return np.where(den > 1e-3, num / np.maximum(den, 1e-3), plain)
