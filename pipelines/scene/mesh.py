"""A depth map as a displaced grid mesh, with the triangles across depth edges dropped.

A triangle whose corners differ by more than `drop_step` in disparity would stretch the
texture across a depth discontinuity (the "rubber sheet" look) as soon as the camera moves;
dropping it opens a hole that the background layer, drawn behind, fills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.scene.camera import Lens, distance

DROP_STEP = 0.04


@dataclass(frozen=True)
class Mesh:
    vertices: np.ndarray  # (N, 5) float32: x, y, z, u, v
    triangles: np.ndarray  # (M, 3) uint32
    dropped: int  # triangles left out at depth edges


def grid_mesh(
    disparity: np.ndarray,
    lens: Lens,
    cols: int,
    rows: int,
    *,
    drop_step: float | None = DROP_STEP,
    skirt: float = 0.0,
    needed: np.ndarray | None = None,
) -> Mesh:
    """cols x rows vertices over the picture (plus `skirt` × size beyond each side).

    needed: an (H, W) bool mask; when given, only triangles touching it or lying past the
    picture's sides are kept (the background layer is only ever seen there).
    """
    h, w = disparity.shape
    u = np.linspace(-skirt, 1 + skirt, cols, dtype=np.float32)
    v = np.linspace(-skirt, 1 + skirt, rows, dtype=np.float32)
    # sample the nearest pixel: averaging would blur steps back into ramps
    px = np.clip(np.round(u * (w - 1)), 0, w - 1).astype(np.intp)
    py = np.clip(np.round(v * (h - 1)), 0, h - 1).astype(np.intp)
    d = disparity[py[:, None], px[None, :]]
    z = distance(d).astype(np.float32)
    uu, vv = np.meshgrid(u, v)
    x = (2 * uu - 1) * z / lens.sx
    y = (2 * vv - 1) * z / lens.sy
    vertices = np.stack([x, y, z, uu, vv], axis=-1).reshape(-1, 5).astype(np.float32)

    index = np.arange(rows * cols, dtype=np.uint32).reshape(rows, cols)
    a, b = index[:-1, :-1].ravel(), index[:-1, 1:].ravel()
    c, e = index[1:, :-1].ravel(), index[1:, 1:].ravel()
    triangles = np.concatenate([np.stack([a, b, c], 1), np.stack([b, e, c], 1)])
    if needed is not None:
        outside = (uu < 0) | (uu > 1) | (vv < 0) | (vv > 1)
        wanted = (needed[py[:, None], px[None, :]] | outside).ravel()
        triangles = np.ascontiguousarray(triangles[wanted[triangles].any(1)])
    if drop_step is None:
        return Mesh(vertices, triangles, 0)
    flat = d.ravel()
    corners = flat[triangles]
    keep = corners.max(1) - corners.min(1) <= drop_step
    return Mesh(vertices, np.ascontiguousarray(triangles[keep]), int((~keep).sum()))
