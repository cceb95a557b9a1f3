"""Where each garment key point goes on the body, sized by category (garment_categories.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.errors import PipelineError
from pipelines.tryon import person as body
from pipelines.tryon.garment import Garment
from pipelines.tryon.spline import REGULARISATION, ThinPlateSpline

CATEGORIES_FILE = Path(__file__).parent / "data" / "garment_categories.json"
# Body proportions in shoulder widths (joint to joint), used where a landmark is out of view.
TORSO_LENGTH = 1.45
THIGH_LENGTH = 1.6
SHIN_LENGTH = 1.6
SHOULDER_TOP = 0.10  # the shoulder's top surface above its joint
SHOULDER_OUT = 0.05  # the garment's shoulder seam outside the joint
LENGTH_T = {"waist": 0.62, "hip": 1.08}  # hem positions on the shoulder→hip axis
LIMBS = (  # shoulder, elbow, wrist, hip, knee of each side
    (body.LEFT_SHOULDER, body.LEFT_ELBOW, body.LEFT_WRIST, body.LEFT_HIP, body.LEFT_KNEE),
    (body.RIGHT_SHOULDER, body.RIGHT_ELBOW, body.RIGHT_WRIST, body.RIGHT_HIP, body.RIGHT_KNEE),
)
NECK_RISE = 0.03  # of the torso: the collar's back above the shoulders' top line
WRIST_REACH = 0.97  # of the arm's length: where the longest sleeve's cuff ends
SLEEVE_HALF = (0.17, 0.24)  # a sleeve's half width on the arm, in shoulder widths
CROPPED = 0.75  # a garment shorter than this share of the category's length is a cropped one
ARM_RADIUS = 0.1  # of the shoulder width: the torso ends this far inside an arm's centre line
MEASURE_T = (0.35, 0.55, 0.75, 0.95)  # where the body's width is read from the person mask
MIN_SHOULDER_WIDTH = 0.04  # of the photo's width: narrower means the person stands side-on


@cache
def load_categories() -> dict[str, dict[str, Any]]:
    """Fit data per category, in file order."""
    data = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@dataclass
class Fit:
    """Matched key points (garment crop → person photo) and what the fit decided."""

    names: list[str]
    garment_points: np.ndarray  # (n, 2)
    body_points: np.ndarray  # (n, 2)
    # side → (garment points, body points): seam top, then elbow and cuff edges of a sleeve.
    sleeves: dict[str, tuple[np.ndarray, np.ndarray]]
    length: str
    kind: str
    hem_below_hips: bool
    hip_y: float
    shoulder_width: float
    hem_y: float = 0.0  # where the new garment ends on the body's centre line


def fit_garment(person: body.Person, garment: Garment, category: str, garment_type: str) -> Fit:
    """Body targets for the garment's key points: shoulders to shoulders, hem at the fit length."""
    spec = load_categories()[category]
    kind = garment.kind if garment_type == "auto" else garment_type
    length = spec["full_length"] if kind == "full" else spec["length"]
    ease, flare = float(spec["ease"]), float(spec["flare"])

    # 1. Body frame: shoulders sorted as they appear in the photo, an "up" towards the head
    sides = sorted(LIMBS, key=lambda limb: person.point(limb[0])[0])
    s_left, s_right = person.point(sides[0][0]), person.point(sides[1][0])
    mid = (s_left + s_right) / 2
    sw = float(np.linalg.norm(s_right - s_left))
    if sw < MIN_SHOULDER_WIDTH * person.size[0]:
        raise PipelineError(
            "Shoulders not visible side by side: use a photo of the person facing the camera."
        )
    across = (s_right - s_left) / max(sw, 1e-6)
    down = np.array([-across[1], across[0]])
    if person.landmarks[body.NOSE, 2] > 0.3 and np.dot(person.point(body.NOSE) - mid, down) > 0:
        down = -down  # the head is above the shoulders, whatever way the photo leans

    # 2. Torso and leg lengths from the landmarks, with typical proportions where unreliable
    hips = [person.landmarks[s[3]] for s in sides]
    hip_mid = (hips[0][:2] + hips[1][:2]) / 2
    torso = float(np.dot(hip_mid - mid, down))
    if min(h[2] for h in hips) < 0.05 or not 1.0 * sw <= torso <= 2.0 * sw:
        torso = TORSO_LENGTH * sw
    else:
        # The torso's axis runs from the shoulders' middle to the hips' middle, which is not
        # square to the shoulder line when the person leans or drops a shoulder.
        torso = float(np.linalg.norm(hip_mid - mid))
        down = (hip_mid - mid) / torso
    hip_half = float(np.clip(abs(hips[1][0] - hips[0][0]) / 2, 0.25 * sw, 0.45 * sw))
    knees = [person.landmarks[s[4]] for s in sides]
    thigh = float(np.dot((knees[0][:2] + knees[1][:2]) / 2 - hip_mid, down))
    if min(k[2] for k in knees) < 0.3 or not 0.8 * sw <= thigh <= 2.5 * sw:
        thigh = THIGH_LENGTH * sw
    t_hem = {
        **LENGTH_T,
        "lower": 1 + 0.4 * thigh / torso,
        "knee": 1 + thigh / torso,
        "ankle": 1 + (thigh + SHIN_LENGTH * sw) / torso,
    }[length]

    # 3. Body width profile: outer edge half-widths along the shoulder→hip axis
    top = mid - down * (SHOULDER_TOP * sw)  # the shoulder line, on top of the shoulders
    torso += SHOULDER_TOP * sw  # measured from that line from here on
    # The body's own width where the photo shows it: the person mask between the arms.
    body_area = (person.mask > 0.5) & between_arms(person, -ARM_RADIUS * sw)
    measured = {t: _measure(body_area, top + down * (t * torso), across, sw) for t in MEASURE_T}

    def typical_half(t: float) -> float:
        shoulders, hipline = 0.56 * sw, max(1.6 * hip_half, 0.46 * sw)
        return shoulders + (hipline - shoulders) * float(np.clip(t, 0.0, 1.0))

    def natural_half(t: float) -> float:
        """The body's half width at t: measured (interpolated), else typical proportions."""
        ts = [m for m in MEASURE_T if measured[m] is not None]
        if not ts or t < 0.25:
            return typical_half(t)
        values = [float(np.clip(measured[m], 0.6 * typical_half(m), 1.3 * typical_half(m)))
                  for m in ts]  # fmt: skip
        return float(np.interp(t, ts, values))

    def body_half(t: float) -> float:
        hipline = natural_half(1.0)
        if t <= 1:
            return ease * natural_half(t)
        # Below the hips a garment hangs free: it flares towards the hem instead of following legs.
        spread = (t - 1) / max(t_hem - 1, 1e-6)
        return ease * hipline * (1 + (flare - 1) * min(spread, 1.0))

    def at(t: float, offset: float) -> np.ndarray:
        return top + down * (t * torso) + across * offset

    # 4. Garment → body scale: shoulder seam to shoulder seam; the hem at the category's length
    # or where the garment's own length puts it, whichever is shorter.
    g = dict(garment.points)
    g_sy = g["shoulder_left"][1]
    g_cx = g["neck"][0]
    g_len = max(g["hem"][1] - g_sy, 1.0)
    g_half = max((g["shoulder_right"][0] - g["shoulder_left"][0]) / 2, 1.0)
    scale = ease * (0.5 + SHOULDER_OUT) * sw / g_half  # garment pixels → photo pixels
    own = g_len * scale / torso
    # A flat lay only roughly gives a length (its scale is read off the shoulders), so only a
    # garment clearly shorter than the category's length keeps its own.
    if own < CROPPED * t_hem:
        t_hem = float(max(own, 0.5))

    def t_of(y: float) -> float:
        return (y - g_sy) / g_len * t_hem

    def side_offset(x: float, t: float) -> float:
        # Keep the garment's own cut (straight, A-line) within limits set by the body and fit.
        offset = (x - g_cx) * scale
        limit = body_half(t)
        return float(np.sign(offset) * np.clip(abs(offset), 0.95 * limit, 1.12 * limit))

    pairs: dict[str, np.ndarray] = {
        # The back of the collar sits at the base of the neck, just above the shoulder line.
        "neck": at(-NECK_RISE, 0.0),
        "shoulder_left": at(0.0, -(0.5 + SHOULDER_OUT) * sw * ease),
        "shoulder_right": at(0.0, (0.5 + SHOULDER_OUT) * sw * ease),
        "hem": at(t_hem, 0.0),
    }
    for name in ("armpit", "mid", "low", "hem"):
        for side in ("left", "right"):
            key = f"{name}_{side}"
            t = max(t_of(g[key][1]), 0.2) if name == "armpit" else t_of(g[key][1])
            if name == "armpit":  # the body's side under the arm, whatever the garment's cut
                pairs[key] = at(t, body_half(t) * (-1 if side == "left" else 1))
            else:
                pairs[key] = at(t, side_offset(g[key][0], t))

    # 5. Sleeves follow the arm bones (shoulder → elbow → wrist) segment by segment, hung from
    # the shoulder seam's top: each garment point keeps its distance along the sleeve's axis
    # and across it, measured instead along and across the arm (so the sleeve bends at the
    # elbow and never shears). The underarm side folds under, over the torso's side.
    sleeves = {}
    centre_line = (top + at(1.0, 0.0)) / 2
    names = [n for n in pairs if n in g]
    torso_map = ThinPlateSpline(
        np.array([g[n] for n in names], np.float64),
        np.array([pairs[n] for n in names], np.float64),
        REGULARISATION,
    )
    for index, side in enumerate(("left", "right")):
        found = garment.sleeve_points.get(side)
        if not found:
            continue
        shoulder_idx, elbow_idx, wrist_idx = sides[index][:3]
        outward = -across if side == "left" else across
        chain = [person.point(shoulder_idx)]
        for joint in (elbow_idx, wrist_idx):
            if person.landmarks[joint, 2] >= 0.2:
                chain.append(person.point(joint))
            else:  # an arm out of view: assume it hangs down and a little out
                chain.append(chain[-1] + (0.9 * down + 0.25 * outward) * 0.8 * sw)
        g_top, g_pit = np.array(found["seam"]), np.array(g[f"armpit_{side}"])
        g_root = (g_top + g_pit) / 2
        g_axis = np.array(found["cuff"]) - g_root
        g_axis /= max(float(np.linalg.norm(g_axis)), 1e-6)
        g_normal = np.array([-g_axis[1], g_axis[0]])
        if np.dot(g_normal, g_top - g_root) < 0:
            g_normal = -g_normal  # garment "outer": the seam top's side of the axis

        def arm_frame(distance: float, chain: list[np.ndarray] = chain):
            centre, direction = _along(chain, distance)
            normal = np.array([-direction[1], direction[0]])
            if np.dot(normal, centre - centre_line) < 0:
                normal = -normal  # body "outer": away from the torso
            return centre, normal

        # The armpit end of the seam folds under as the sleeve turns down the arm: left free.
        names_here = ["elbow_outer", "elbow_inner", "cuff_outer", "cuff_inner"]
        g_points = [g_top, *(np.array(found[n]) for n in names_here)]
        along = [float(np.dot(p - g_root, g_axis)) * scale for p in g_points]
        off = [float(np.dot(p - g_root, g_normal)) * scale for p in g_points]
        # Across the arm the sleeve wraps it: its flat width maps onto the arm's girth plus ease,
        # centred on the arm's bone. The seam's top lands where the torso's own warp puts it.
        lo, hi = min(off[1:]), max(off[1:])
        flat_half = max((hi - lo) / 2, 1.0)
        wrap = float(np.clip(flat_half, SLEEVE_HALF[0] * sw, SLEEVE_HALF[1] * sw)) / flat_half
        # A long sleeve ends at the wrist, however long it lies flat.
        arm = sum(float(np.linalg.norm(b - a)) for a, b in zip(chain, chain[1:], strict=False))
        reach = max(max(along) - along[0], 1.0)
        shrink = min(1.0, WRIST_REACH * arm / reach)
        b_points = [torso_map(g_top[None])[0]]
        for a_dist, o_dist in zip(along[1:], off[1:], strict=True):
            centre, normal = arm_frame((a_dist - along[0]) * shrink)
            b_points.append(centre + normal * (o_dist - (lo + hi) / 2) * wrap)
        sleeves[side] = (np.array(g_points, np.float64), np.array(b_points, np.float64))

    return Fit(
        names=names,
        garment_points=np.array([g[n] for n in names], np.float64),
        body_points=np.array([pairs[n] for n in names], np.float64),
        sleeves=sleeves,
        length=length,
        kind=kind,
        hem_below_hips=t_hem > 1.0,
        hip_y=float(at(1.0, 0.0)[1]),
        shoulder_width=sw,
        hem_y=float(at(t_hem, 0.0)[1]),
    )


def between_arms(person: body.Person, out: float) -> np.ndarray:
    """The region between the arms' centre lines (shoulder, elbow, wrist, then straight down),
    widened by `out` px each side (negative narrows it). Below the wrists it opens to the sides.
    """
    import cv2

    width, height = person.size
    sides = []
    for shoulder, elbow, wrist, _, _ in LIMBS:
        chain = [person.point(shoulder)]
        for joint in (elbow, wrist):
            if person.landmarks[joint, 2] < 0.3:
                break
            chain.append(person.point(joint))
        sides.append(chain)
    sides.sort(key=lambda chain: chain[0][0])
    left, right = sides
    sw = float(np.linalg.norm(left[0] - right[0]))
    top = min(left[0][1], right[0][1]) - sw
    polygon = [(left[0][0] - out, top), *((x - out, y) for x, y in left)]
    polygon += [(-width, left[-1][1] + 1), (-width, 2 * height), (2 * width, 2 * height)]
    polygon += [(2 * width, right[-1][1] + 1), *((x + out, y) for x, y in right[::-1])]
    polygon += [(right[0][0] + out, top)]
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def _measure(area: np.ndarray, centre: np.ndarray, across: np.ndarray, sw: float) -> float | None:
    """Mean half width of `area` walking both ways from centre along `across`; None if unseen."""
    height, width = area.shape
    steps = np.arange(0, 1.2 * sw)
    halves = []
    for sign in (-1, 1):
        xy = np.round(centre[None] + sign * steps[:, None] * across[None]).astype(int)
        ok = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
        if not ok[0] or not area[xy[0, 1], xy[0, 0]]:
            return None
        inside = np.zeros(len(steps), bool)
        inside[ok] = area[xy[ok, 1], xy[ok, 0]]
        outside = np.flatnonzero(~inside)
        halves.append(float(outside[0]) if outside.size else float(len(steps)))
    return float(np.mean(halves))


def _along(chain: list[np.ndarray], distance: float) -> tuple[np.ndarray, np.ndarray]:
    """The point `distance` along a polyline (extended past both ends) and the direction there."""
    if distance < 0 and len(chain) > 1:
        step = max(float(np.linalg.norm(chain[1] - chain[0])), 1e-6)
        direction = (chain[1] - chain[0]) / step
        return chain[0] + direction * distance, direction
    direction = np.array([0.0, 1.0])
    for a, b in zip(chain, chain[1:], strict=False):
        step = float(np.linalg.norm(b - a))
        direction = (b - a) / max(step, 1e-6)
        if distance <= step:
            return a + direction * distance, direction
        distance -= step
    return chain[-1] + direction * distance, direction
