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
    # side → (garment root, garment cuff, body root, body cuff): each sleeve moves rigidly.
    sleeves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    length: str
    kind: str
    hem_below_hips: bool
    hip_y: float
    shoulder_width: float


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
    def body_half(t: float) -> float:
        shoulders, hipline = 0.56 * sw, max(1.6 * hip_half, 0.46 * sw)
        if t <= 1:
            return ease * (shoulders + (hipline - shoulders) * max(t, 0.0))
        # Below the hips a garment hangs free: it flares towards the hem instead of following legs.
        spread = (t - 1) / max(t_hem - 1, 1e-6)
        return ease * hipline * (1 + (flare - 1) * min(spread, 1.0))

    def at(t: float, offset: float) -> np.ndarray:
        return mid + down * (t * torso) + across * offset

    # 4. Vertical map: garment rows between its shoulders and hem → body t
    g = dict(garment.points)
    g_sy = g["shoulder_left"][1]
    g_len = max(g["hem"][1] - g_sy, 1.0)
    g_half = max((g["shoulder_right"][0] - g["shoulder_left"][0]) / 2, 1.0)
    scale = body_half(0.0) / g_half  # garment pixels → photo pixels, across

    def t_of(y: float) -> float:
        return (y - g_sy) / g_len * t_hem

    def side_offset(x: float, t: float) -> float:
        # Keep the garment's own cut (straight, A-line) within limits set by the body and fit.
        offset = (x - g["neck"][0]) * scale
        limit = body_half(t)
        return float(np.sign(offset) * np.clip(abs(offset), 0.95 * limit, 1.45 * limit))

    pairs: dict[str, np.ndarray] = {
        "neck": mid + down * (0.06 * sw),
        "shoulder_left": s_left - across * (SHOULDER_OUT * sw * ease) - down * (SHOULDER_TOP * sw),
        "shoulder_right": s_right
        + across * (SHOULDER_OUT * sw * ease)
        - down * (SHOULDER_TOP * sw),
        "hem": at(t_hem, 0.0),
    }
    for name in ("mid", "low", "hem"):
        for side in ("left", "right"):
            key = f"{name}_{side}"
            t = t_of(g[key][1])
            pairs[key] = at(t, side_offset(g[key][0], t))

    # 5. Sleeves follow the arms (shoulder → elbow → wrist) as far as they reach
    sleeves = {}
    for index, side in enumerate(("left", "right")):
        if f"sleeve_{side}" not in g:
            continue
        t = max(t_of(g[f"armpit_{side}"][1]), 0.15)
        pairs[f"armpit_{side}"] = at(t, body_half(t) * (-1 if side == "left" else 1))
        _, elbow_idx, wrist_idx = sides[index][:3]
        outward = -across if side == "left" else across
        root = (pairs[f"shoulder_{side}"] + pairs[f"armpit_{side}"]) / 2
        chain = [root]
        for joint in (elbow_idx, wrist_idx):
            if person.landmarks[joint, 2] >= 0.2:
                chain.append(person.point(joint))
            else:  # an arm out of view: assume it hangs down and a little out
                chain.append(chain[-1] + (0.8 * down + 0.35 * outward) * 0.75 * sw)
        g_root = (np.array(g[f"shoulder_{side}"]) + np.array(g[f"armpit_{side}"])) / 2
        g_end = np.array(g[f"sleeve_{side}"])
        reach = float(np.linalg.norm(g_end - g_root)) * scale
        sleeves[side] = (g_root, g_end, root, _along(chain, reach))

    names = [n for n in pairs if n in g]
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
    )


def _along(chain: list[np.ndarray], distance: float) -> np.ndarray:
    """The point `distance` along a polyline (clamped to its end)."""
    for a, b in zip(chain, chain[1:], strict=False):
        step = float(np.linalg.norm(b - a))
        if distance <= step:
            return a + (b - a) * (distance / max(step, 1e-6))
        distance -= step
    return chain[-1]
