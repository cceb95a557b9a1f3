"""The fallback renderer when no GL context can be made: NumPy/OpenCV forward warping.

Both layers become point clouds (one point per vertex of a denser grid than the output
needs); each frame projects them with the same camera matrices as the GL renderer and
splats far-to-near, so nearer points win. The background layer is splatted first and the
foreground over it; the few pinholes left between points are closed by a small dilation.
"""

from __future__ import annotations

import numpy as np

from pipelines.scene.camera import Pose, projection
from pipelines.scene.stage import Stage


class WarpRenderer:
    """Same interface as GLRenderer; slower, no GL needed."""

    name = "numpy-forward-warp"
    device = "cpu"

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self._clouds: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}

    def load(self, stage: Stage) -> None:
        clouds = []
        width, height = self.size
        for mesh, picture in (
            (stage.background, stage.layers.background),
            (stage.foreground, stage.layers.image),
        ):
            points = mesh.vertices
            if mesh is stage.foreground:
                # densify: a point per output pixel or so, from the keyframe at output size
                points = _dense_points(stage, width, height)
            u = np.clip(points[:, 3], 0, 1) * (picture.shape[1] - 1)
            v = np.clip(points[:, 4], 0, 1) * (picture.shape[0] - 1)
            colours = picture[v.astype(np.intp), u.astype(np.intp)]
            order = np.argsort(-points[:, 2])  # far first: nearer points overwrite them
            clouds.append((points[order, :3].astype(np.float32), colours[order]))
        self._clouds[id(stage)] = clouds

    def release(self, stage: Stage) -> None:
        self._clouds.pop(id(stage), None)

    def render(self, stage: Stage, pose: Pose) -> np.ndarray:
        import cv2

        if id(stage) not in self._clouds:
            self.load(stage)
        width, height = self.size
        mvp = (projection(stage.lens, stage.key_size, self.size, pose.zoom) @ pose.view()).astype(
            np.float32
        )
        frame = np.zeros((height, width, 3), np.uint8)
        filled = np.zeros((height, width), bool)
        for index, (points, colours) in enumerate(self._clouds[id(stage)]):
            clip = points @ mvp[:3, :3].T + mvp[:3, 3]
            w = points @ mvp[3, :3] + mvp[3, 3]
            front = w > 1e-3
            px = ((clip[:, 0] / np.where(front, w, 1) + 1) * 0.5 * width).astype(np.int32)
            py = ((clip[:, 1] / np.where(front, w, 1) + 1) * 0.5 * height).astype(np.int32)
            ok = front & (px >= 0) & (px < width) & (py >= 0) & (py < height)
            if index == 0:  # the sparse background: splat 3x3 so it covers
                layer = np.zeros_like(frame)
                hit = np.zeros((height, width), np.uint8)
                layer[py[ok], px[ok]] = colours[ok]
                hit[py[ok], px[ok]] = 1
                cols = int(round(np.sqrt(len(points) * stage.key_size[0] / stage.key_size[1])))
                reach = 2 * int(np.ceil(width * pose.zoom / max(1, cols))) + 1
                kernel = np.ones((reach, reach), np.uint8)
                grown = cv2.dilate(layer, kernel)
                covered = cv2.dilate(hit, kernel) > 0
                frame[covered] = np.where(hit[covered, None] > 0, layer[covered], grown[covered])
                filled |= covered
            else:
                frame[py[ok], px[ok]] = colours[ok]
                fg = np.zeros((height, width), np.uint8)
                fg[py[ok], px[ok]] = 1
                # close pinholes between foreground points with their neighbours' colour
                pinholes = (cv2.dilate(fg, np.ones((3, 3), np.uint8)) > 0) & (fg == 0)
                closed = cv2.morphologyEx(frame, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
                frame[pinholes & _inside(fg)] = closed[pinholes & _inside(fg)]
        return frame

    def close(self) -> None:
        self._clouds.clear()


def _inside(mask: np.ndarray) -> np.ndarray:
    """Pixels surrounded by foreground points on both sides (a pinhole, not an edge)."""
    import cv2

    horizontal = cv2.dilate(mask, np.ones((1, 3), np.uint8))
    vertical = cv2.dilate(mask, np.ones((3, 1), np.uint8))
    return (cv2.erode(horizontal, np.ones((1, 3), np.uint8)) > 0) | (
        cv2.erode(vertical, np.ones((3, 1), np.uint8)) > 0
    )


def _dense_points(stage: Stage, width: int, height: int) -> np.ndarray:
    """Foreground points, about 1.4 per output pixel at rest, none dropped."""
    from pipelines.scene.mesh import grid_mesh

    cols = round(width * 1.2)
    rows = round(cols * stage.key_size[1] / stage.key_size[0])
    return grid_mesh(stage.layers.disparity, stage.lens, cols, rows, drop_step=None).vertices
