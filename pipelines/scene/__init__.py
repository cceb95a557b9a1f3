"""A 3D scene from one picture: depth, layered mesh, a moving camera, style, encoding.

The engine behind the `video_3d` feature: depth.py estimates depth, layers.py splits the
picture into a foreground and an inpainted background layer, mesh.py turns each layer into
a displaced grid, gl_render.py draws it with moderngl (headless EGL) and warp_render.py is
the NumPy fallback when no GL context can be made. Camera paths and styles are data.
"""
