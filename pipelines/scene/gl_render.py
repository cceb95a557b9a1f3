"""The 3D renderer: both layers of a stage as textured meshes, in a headless GL context.

moderngl on EGL (Mesa llvmpipe on a CPU-only machine, the GPU driver elsewhere). The
background layer sits a little behind the foreground (see stage.py), so wherever the
foreground's dropped edge triangles leave a hole, the inpainted background shows through
instead of stretched texture.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from pipelines.scene.camera import Pose, projection
from pipelines.scene.stage import Stage

log = logging.getLogger(__name__)

VERTEX_SHADER = """
#version 330
uniform mat4 mvp;
in vec3 in_pos;
in vec2 in_uv;
out vec2 v_uv;
void main() {
    gl_Position = mvp * vec4(in_pos, 1.0);
    v_uv = in_uv;
}
"""
FRAGMENT_SHADER = """
#version 330
uniform sampler2D picture;
in vec2 v_uv;
out vec4 colour;
void main() {
    colour = vec4(texture(picture, v_uv).rgb, 1.0);
}
"""


class GLUnavailable(RuntimeError):
    """No headless GL context could be made here."""


class GLRenderer:
    """Renders stages to (H, W, 3) uint8 frames at a fixed output size."""

    name = "moderngl-egl"

    def __init__(self, size: tuple[int, int]) -> None:
        import moderngl

        try:
            self.ctx = moderngl.create_standalone_context(backend="egl")
        except Exception as exc:  # no libEGL, no driver: the caller falls back
            raise GLUnavailable(str(exc)) from exc
        self.size = size
        self.device = self.ctx.info.get("GL_RENDERER", "unknown")
        self.program = self.ctx.program(
            vertex_shader=VERTEX_SHADER, fragment_shader=FRAGMENT_SHADER
        )
        self.fbo = self.ctx.framebuffer(
            color_attachments=[self.ctx.renderbuffer(size, 3)],
            depth_attachment=self.ctx.depth_renderbuffer(size),
        )
        self._loaded: dict[int, list[tuple[Any, Any, Any, Any]]] = {}

    def load(self, stage: Stage) -> None:
        """Upload a stage's meshes and textures (once per shot)."""
        import moderngl

        parts = []
        for mesh, picture in (
            (stage.background, stage.layers.background),
            (stage.foreground, stage.layers.image),
        ):
            texture = self.ctx.texture(
                (picture.shape[1], picture.shape[0]), 3, np.ascontiguousarray(picture).tobytes()
            )
            texture.repeat_x = texture.repeat_y = False
            # the keyframe is shown near 1:1: plain bilinear, no mipmaps (trilinear costs
            # llvmpipe a third of its frame time)
            texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            vbo = self.ctx.buffer(mesh.vertices.tobytes())
            ibo = self.ctx.buffer(mesh.triangles.astype(np.uint32).tobytes())
            vao = self.ctx.vertex_array(
                self.program, [(vbo, "3f 2f", "in_pos", "in_uv")], index_buffer=ibo
            )
            parts.append((vao, vbo, ibo, texture))
        self._loaded[id(stage)] = parts

    def release(self, stage: Stage) -> None:
        for part in self._loaded.pop(id(stage), []):
            for resource in part:
                resource.release()

    def render(self, stage: Stage, pose: Pose) -> np.ndarray:
        """One frame of the stage seen from pose."""
        import moderngl

        if id(stage) not in self._loaded:
            self.load(stage)
        mvp = projection(stage.lens, stage.key_size, self.size, pose.zoom) @ pose.view()
        self.program["mvp"].write(mvp.T.astype("f4").tobytes())
        self.fbo.use()
        self.fbo.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        self.ctx.enable(moderngl.DEPTH_TEST)
        # foreground first: the depth test then rejects most background fragments early
        for vao, _, _, texture in reversed(self._loaded[id(stage)]):
            texture.use(0)
            vao.render(moderngl.TRIANGLES)
        data = self.fbo.read(components=3, alignment=1)
        width, height = self.size
        return np.frombuffer(data, np.uint8).reshape(height, width, 3)

    def close(self) -> None:
        for key in list(self._loaded):
            for part in self._loaded.pop(key):
                for resource in part:
                    resource.release()
        self.fbo.release()
        self.program.release()
        self.ctx.release()
