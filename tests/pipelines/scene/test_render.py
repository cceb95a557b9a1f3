"""The scene renderers on synthetic scenes whose geometry is known: parallax, depth edges,
camera paths, and the GL-less fallback."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.scene.camera import camera_paths
from pipelines.scene.film import make_renderer
from pipelines.scene.gl_render import GLRenderer
from pipelines.scene.mesh import grid_mesh
from pipelines.scene.stage import build_stage
from pipelines.scene.warp_render import WarpRenderer

KEY = (448, 256)
OUT = (320, 180)
SQUARE = (slice(88, 168), slice(184, 264))  # rows, cols of the near square in the keyframe


def square_scene() -> tuple[np.ndarray, np.ndarray]:
    """A textured far wall (blue-grey) and a red textured square standing near the camera."""
    rng = np.random.default_rng(3)
    h, w = KEY[1], KEY[0]
    image = np.empty((h, w, 3), np.uint8)
    noise = rng.integers(0, 120, (h, w))
    image[..., 0] = noise // 4
    image[..., 1] = 40 + noise // 2
    image[..., 2] = 120 + noise
    red = rng.integers(0, 60, (80, 80))
    image[SQUARE] = np.stack([195 + red, red // 3, red // 3], axis=-1)
    disparity = np.zeros((h, w), np.float32)
    disparity[SQUARE] = 1.0
    return image, disparity


def red_mask(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(int)
    return (f[..., 0] > 150) & (f[..., 2] < 110)


@pytest.fixture(scope="module")
def gl():
    renderer = make_renderer(OUT)
    assert isinstance(renderer, GLRenderer), "no headless EGL context on this machine"
    yield renderer
    renderer.close()


@pytest.fixture(scope="module")
def stage():
    image, disparity = square_scene()
    return build_stage(image, disparity)


def test_triangles_across_the_depth_edge_are_dropped():
    _, disparity = square_scene()
    mesh = grid_mesh(disparity, build_stage(*square_scene()).lens, 75, 43)
    z = mesh.vertices[:, 2]
    corners = z[mesh.triangles]
    assert mesh.dropped > 0
    # every kept triangle lies on one plane: none spans near (z=1) and far (z=8)
    assert np.all(corners.max(1) / corners.min(1) < 1.5)
    stretched = grid_mesh(disparity, build_stage(*square_scene()).lens, 75, 43, drop_step=None)
    spans = stretched.vertices[:, 2][stretched.triangles]
    assert np.any(spans.max(1) / spans.min(1) > 4)  # the control has them


def _shift_of_far_wall(a: np.ndarray, b: np.ndarray) -> float:
    """Horizontal shift of the far wall between two frames (top strip, away from the square)."""
    import cv2

    strip = (slice(5, 45), slice(20, 300))
    ga = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)[strip].astype(np.float32)
    gb = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)[strip].astype(np.float32)
    (dx, _), _ = cv2.phaseCorrelate(ga, gb)
    return abs(dx)


def _centroid_x(frame: np.ndarray) -> float:
    return float(np.nonzero(red_mask(frame))[1].mean())


@pytest.mark.parametrize("renderer_kind", ["gl", "warp"])
def test_near_things_move_more_than_far_things(renderer_kind, gl, stage):
    renderer = gl if renderer_kind == "gl" else WarpRenderer(OUT)
    path = camera_paths()["pan"]
    first = renderer.render(stage, path.pose(0.0, stage.subject))
    last = renderer.render(stage, path.pose(1.0, stage.subject))
    near = abs(_centroid_x(last) - _centroid_x(first))
    far = _shift_of_far_wall(first, last)
    assert near > 10, near
    assert near > 3 * far, (near, far)


def test_the_revealed_background_is_filled_from_behind_not_stretched(gl, stage):
    path = camera_paths()["pan"]
    rest = gl.render(stage, path.pose(0.5, stage.subject))
    moved = gl.render(stage, path.pose(1.0, stage.subject))
    # the square keeps its size: no red rubber sheet pulled across the revealed wall
    assert red_mask(moved).sum() == pytest.approx(red_mask(rest).sum(), rel=0.08)
    # and nothing is left empty (black) where the wall is revealed
    assert (moved.max(axis=-1) < 25).sum() == 0
    # the control: the same scene with every triangle kept smears red into the gap
    image, disparity = square_scene()
    smeared_stage = build_stage(image, disparity)
    object.__setattr__(
        smeared_stage,
        "foreground",
        grid_mesh(smeared_stage.layers.disparity, smeared_stage.lens, 75, 43, drop_step=None),
    )
    smeared = gl.render(smeared_stage, path.pose(1.0, stage.subject))
    gl.release(smeared_stage)
    assert red_mask(smeared).sum() > red_mask(rest).sum() * 1.12


def _motion(renderer, stage, name: str) -> tuple[float, list[np.ndarray]]:
    """Visible change first → last frame (blurred: the texture's pixel noise is not motion)."""
    import cv2

    path = camera_paths()[name]
    times = (0.0, 0.25, 0.5, 0.75, 1.0)
    frames = [renderer.render(stage, path.pose(t, stage.subject)) for t in times]
    soft = [cv2.GaussianBlur(f, (0, 0), 4).astype(int) for f in frames]
    return max(float(np.abs(soft[0] - later).mean()) for later in soft[1:]), soft


def test_orbit_dolly_pan_move_and_differ_static_barely_changes(gl, stage):
    changes, ends = {}, {}
    for name in ("orbit", "dolly", "pan", "static"):
        changes[name], frames = _motion(gl, stage, name)
        ends[name] = frames[-1]
    for name in ("orbit", "dolly", "pan"):
        assert changes[name] > 5, changes
    assert changes["static"] < 0.2 * min(changes["orbit"], changes["dolly"], changes["pan"])
    for a, b in (("orbit", "dolly"), ("orbit", "pan"), ("dolly", "pan")):
        assert np.abs(ends[a] - ends[b]).mean() > 4, (a, b)


def test_the_forward_warp_fallback_matches_the_gl_render_at_rest(gl, stage):
    path = camera_paths()["static"]
    pose = path.pose(0.0, stage.subject)
    warp = WarpRenderer(OUT).render(stage, pose)
    reference = gl.render(stage, pose)
    import cv2

    soft_warp, soft_gl = (cv2.GaussianBlur(f, (0, 0), 2).astype(int) for f in (warp, reference))
    assert np.abs(soft_warp - soft_gl).mean() < 6
    # GL loses at most the one grid cell at the square's edge that it drops
    assert red_mask(warp).sum() == pytest.approx(red_mask(reference).sum(), rel=0.2)


def test_the_output_shows_the_centre_crop_of_the_keyframe_at_rest(gl, stage):
    frame = gl.render(stage, camera_paths()["static"].pose(0.0, stage.subject))
    ys, xs = np.nonzero(red_mask(frame))
    # 1344x768 → 1280x720 overscan: the square (centred) keeps its place, a little enlarged
    scale = OUT[0] / (KEY[0] * 1280 / 1344)
    assert xs.mean() == pytest.approx(OUT[0] / 2, abs=3)
    assert (xs.max() - xs.min()) == pytest.approx(80 * scale, abs=4)
