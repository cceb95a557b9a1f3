"""Bench the 3D video: render + encode of a 30 s 1280x720 video from prepared keyframes and
depth maps (three real photos, procedural depth), as a ratio to real time (target <= 2.0 on
2 CPU cores) and to a plain ffmpeg encode of the same number of frames; per-stage seconds.

    .venv/bin/python bench/video_3d.py [--seconds 30] [--fps 30] [--camera orbit]
        [--style cinematic] [--warp]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png")
SIZE = (1280, 720)


def prepared(folder: Path, count: int) -> tuple[list, list, float]:
    """(keyframes, disparities, seconds spent making the depth): the inputs of the render."""
    import cv2
    import numpy as np
    import skimage
    from PIL import Image

    from pipelines.scene.depth import procedural_depth

    images, depths = [], []
    started = time.perf_counter()
    for index in range(count):
        path = Path(skimage.__file__).parent / "data" / PHOTOS[index % len(PHOTOS)]
        image = np.asarray(Image.open(path).convert("RGB"))
        image = cv2.resize(image, (1344, 768), interpolation=cv2.INTER_CUBIC)
        images.append(image)
        depths.append(procedural_depth(image))
        Image.fromarray(image).save(folder / f"keyframe_{index:02d}.png")
    return images, depths, time.perf_counter() - started


def plain_encode(keyframe: Path, frames: int, fps: int, out: Path) -> float:
    """The same number of 720p frames through ffmpeg alone (one still, looped)."""
    from pipelines.media.ffmpeg import run_ffmpeg

    started = time.perf_counter()
    run_ffmpeg(
        ["-loop", "1", "-framerate", str(fps), "-i", str(keyframe)]
        + ["-vf", "scale=1280:720,format=yuv420p", "-frames:v", str(frames)]
        + ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
        + ["-movflags", "+faststart", str(out)]
    )
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU used by this process (llvmpipe's threads included) and its finished children
    (ffmpeg): steadier than wall time on a shared machine."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    from pipelines.features.video_3d import shot_rules
    from pipelines.media.ffmpeg import probe
    from pipelines.scene.camera import camera_paths
    from pipelines.scene.encode import VideoWriter
    from pipelines.scene.film import ShotPlan, make_renderer, plan_frames, render_film
    from pipelines.scene.styles import scene_styles

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--camera", default="orbit")
    parser.add_argument("--style", default="cinematic")
    parser.add_argument("--warp", action="store_true", help="the GL-less fallback renderer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    rules = shot_rules()
    count = int(rules["shots_per_duration"].get(str(args.seconds), 3))
    total = args.seconds * args.fps
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        images, depths, depth_seconds = prepared(folder, count)
        spans = plan_frames(count, total, round(rules["transition_seconds"] * args.fps))
        shots = [
            ShotPlan(image, depth, a, b, reverse=i % 2 == 1)
            for i, (image, depth, (a, b)) in enumerate(zip(images, depths, spans, strict=True))
        ]
        started, cpu = time.perf_counter(), cpu_seconds()
        renderer = make_renderer(SIZE, prefer_gl=not args.warp)
        writer = VideoWriter(folder / "video.mp4", SIZE, args.fps)
        stages = render_film(
            shots,
            camera_paths()[args.camera],
            scene_styles()[args.style],
            renderer,
            writer,
            total,
        )
        writer.close()
        renderer.close()
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        info = probe(folder / "video.mp4")
        plain_cpu = cpu_seconds()
        plain = plain_encode(folder / "keyframe_00.png", total, args.fps, folder / "plain.mp4")
        plain_cpu = cpu_seconds() - plain_cpu

    out = sys.stdout.write
    out(f"renderer            {renderer.name} ({getattr(renderer, 'device', '')})\n")
    out(f"load average        {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    out(f"video               {info.width}x{info.height} {info.fps} fps, {info.duration:.2f} s\n")
    out(f"shots               {count}, frames {total}\n")
    out(f"depth (prepared)    {depth_seconds:.2f} s for {count} keyframes (procedural)\n")
    for key, value in stages.items():
        out(f"{key:<20}{value:.2f} s\n")
    out(f"render + encode     {wall:.2f} s = {total / wall:.1f} frames/s\n")
    out(f"vs real time        {wall / args.seconds:.2f}x   (target <= 2.0)\n")
    out(f"plain ffmpeg encode {plain:.2f} s; ratio {wall / plain:.2f}x\n")
    cores = os.cpu_count() or 1
    ratio = cpu / plain_cpu
    out(f"CPU seconds         {cpu:.1f} (plain encode {plain_cpu:.1f}; ratio {ratio:.2f}x)\n")
    out(f"idle-{cores}-core estimate {cpu / cores / args.seconds:.2f}x real time (CPU / cores)\n")


if __name__ == "__main__":
    main()
