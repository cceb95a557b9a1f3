"""One shot's scene, ready for either renderer: two layered meshes, textures and the lens."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.scene.camera import Lens, subject_distance
from pipelines.scene.layers import Layers, split_layers
from pipelines.scene.mesh import Mesh, grid_mesh

GRID_STEP = 6  # keyframe pixels per foreground grid cell (finer costs llvmpipe frame rate)
MAX_COLS = 225
SKIRT = 0.15  # the background mesh reaches this far past the picture's sides
# The background mesh is pushed back along the keyframe's rays (same picture from the
# keyframe's view) so it never wins the depth test against the foreground at the same spot.
BEHIND = 1.03


@dataclass(frozen=True)
class Stage:
    layers: Layers
    lens: Lens
    key_size: tuple[int, int]
    subject: float
    foreground: Mesh
    background: Mesh


def build_stage(image: np.ndarray, disparity: np.ndarray) -> Stage:
    """Layers and meshes for one keyframe (RGB uint8) and its disparity."""
    height, width = disparity.shape
    layers = split_layers(image, disparity)
    lens = Lens.for_size(width, height)
    cols = min(MAX_COLS, width // GRID_STEP + 1)
    rows = max(2, round(cols * height / width))
    foreground = grid_mesh(layers.disparity, lens, cols, rows)
    # The background is drawn only near depth steps and past the sides: a full-frame pass
    # would cost llvmpipe a third of the frame time for pixels the foreground hides.
    background = grid_mesh(
        layers.background_disparity,
        lens,
        cols // 2,
        rows // 2,
        drop_step=None,
        skirt=SKIRT,
        needed=layers.edge_zone,
    )
    background.vertices[:, :3] *= BEHIND
    return Stage(
        layers, lens, (width, height), subject_distance(layers.disparity), foreground, background
    )
