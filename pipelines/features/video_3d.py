"""A 3D video with a camera moving through a generated scene (the `video_3d` feature).

The recipe, on the scene engine (pipelines/scene/):
1. keyframes: one SDXL picture per shot (wide, closer, detail… of the same scene, one seed
   family) at 1344x768, the 16:9 SDXL bucket; the output shows its 1280x720 centre at rest
2. depth of each keyframe (Depth Anything V2 Small, the tiny test model, or procedural)
3. each shot as two layered meshes (foreground with depth-edge triangles dropped, inpainted
   background behind) rendered by moderngl on headless EGL along the camera path, or by the
   NumPy forward-warp renderer when no GL context can be made; the style's look on top
4. shots crossfaded, optional music, streamed to ffmpeg: H.264 1280x720, exactly
   duration × fps frames
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from pipelines.declare import Feature, Field, Output, RunContext, RunResult, SubContext
from pipelines.media.music import NONE, mood_choices
from pipelines.scene.camera import camera_paths
from pipelines.scene.styles import scene_styles

log = logging.getLogger(__name__)

SIZE = (1280, 720)
KEYFRAME_SIZE = (1344, 768)  # SDXL's 16:9 bucket; the overscan crop leaves 1280x720
TINY_KEYFRAME_SIZE = (448, 256)  # the tiny model is a stand-in: keep it cheap
SHOTS_FILE = Path(__file__).resolve().parent.parent / "scene" / "data" / "shots.json"
STAGES = {"keyframes": (0.0, 40.0), "depth": (40.0, 46.0), "music": (46.0, 48.0)}
RENDER = (48.0, 99.0)


def video_seed(inputs: dict[str, Any]) -> int:
    """The seed given, else one from the prompt and style: re-running gives the same video."""
    if inputs.get("seed") is not None:
        return int(inputs["seed"])
    key = f"{inputs['prompt']}|{inputs['style']}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big")


def shot_rules() -> dict[str, Any]:
    return json.loads(SHOTS_FILE.read_text(encoding="utf-8"))


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """video.mp4 (1280x720), keyframe_NN.png, depth_NN.png and scene.json in ctx.work_dir."""
    return render_video_3d(inputs, ctx)


def render_video_3d(
    inputs: dict[str, Any],
    ctx: RunContext,
    *,
    size: tuple[int, int] = SIZE,
    fps: int | None = None,
    keyframe_size: tuple[int, int] | None = None,
    keyframes: list[Path] | None = None,
    prefer_gl: bool = True,
) -> RunResult:
    """The recipe; tests pass a small size, the bench passes pre-made keyframes."""
    from pipelines.scene.camera import OVERSCAN
    from pipelines.scene.depth import estimate_depth
    from pipelines.scene.encode import VideoWriter
    from pipelines.scene.film import ShotPlan, make_renderer, plan_frames, read_rgb, render_film

    work = Path(ctx.work_dir)
    seed = video_seed(inputs)
    fps = int(fps or inputs["fps"])
    seconds = int(inputs["duration"])
    total = seconds * fps
    rules = shot_rules()
    count = int(rules["shots_per_duration"][str(seconds)])
    style = scene_styles()[inputs["style"]]
    path = camera_paths()[inputs["camera_movement"]]
    mood = inputs.get("music") or NONE
    timings: dict[str, float] = {}

    # 1. Keyframes
    started = time.perf_counter()
    framings = [rules["framings"][i % len(rules["framings"])] for i in range(count)]
    prompts = [style.keyframe_prompt(inputs["prompt"], framing) for framing in framings]
    seeds = [(seed + index) % 2**32 for index in range(count)]
    if keyframes is None:
        keyframes = _generate(inputs, ctx, prompts, seeds, style, keyframe_size)
    else:
        keyframes = _copy(keyframes, count, work)
    timings["keyframes"] = time.perf_counter() - started

    # 2. Depth
    started = time.perf_counter()
    low, high = STAGES["depth"]
    images, depths, depth_paths, sources = [], [], [], set()
    for index, keyframe in enumerate(keyframes, start=1):
        ctx.progress(low + (high - low) * (index - 1) / count, f"Depth {index}/{count}")
        image = read_rgb(keyframe)
        depth = estimate_depth(image, ctx.models_dir, ctx.model_preset)
        images.append(image)
        depths.append(depth.disparity)
        sources.add(depth.source)
        depth_paths.append(_save_depth(depth.disparity, work / f"depth_{index:02d}.png"))
    timings["depth"] = time.perf_counter() - started

    # 3. Music
    started = time.perf_counter()
    music = None
    if mood != NONE:
        from pipelines.media.music import render_music

        ctx.progress(STAGES["music"][0], f"Music: {mood}")
        music = render_music(mood, float(seconds), seed, work / "music.wav")
    timings["music"] = time.perf_counter() - started

    # 4. Render and encode, frame by frame
    started = time.perf_counter()
    overlap = round(float(rules["transition_seconds"]) * fps)
    spans = plan_frames(count, total, overlap)
    shots = [
        ShotPlan(image, depth, start, end, reverse=index % 2 == 1)
        for index, (image, depth, (start, end)) in enumerate(
            zip(images, depths, spans, strict=True)
        )
    ]
    renderer = make_renderer(size, prefer_gl)
    video_path = work / "video.mp4"
    writer = VideoWriter(video_path, size, fps, audio=music, seconds=float(seconds))
    low, high = RENDER
    every = max(1, total // 100)

    def on_frame(done: int, frames: int) -> None:
        if done % every and done != frames:
            return
        shot = next((i for i, (a, b) in enumerate(spans, start=1) if a < done <= b), count)
        ctx.progress(
            low + (high - low) * done / frames,
            f"Rendering shot {shot}/{count}: frame {done}/{frames}",
        )

    ctx.progress(low, f"Rendering shot 1/{count}")
    try:
        frame_timings = render_film(
            shots, path, style, renderer, writer, total, seed=seed, on_frame=on_frame
        )
        writer.close()
    except BaseException:  # a cancelled job (progress raised) or a failure: no partial file
        writer.abort()
        raise
    finally:
        renderer.close()
    timings["render"] = time.perf_counter() - started
    if music is not None:
        music.unlink(missing_ok=True)

    scene = {
        "prompt": inputs["prompt"],
        "negativePrompt": inputs.get("negative_prompt") or "",
        "style": style.name,
        "cameraMovement": path.name,
        "cameraPath": path.describe(),
        "duration": seconds,
        "fps": fps,
        "frames": total,
        "width": size[0],
        "height": size[1],
        "overscan": list(OVERSCAN),
        "seed": seed,
        "music": mood,
        "depthSource": sorted(sources),
        "renderer": renderer.name,
        "transitionFrames": overlap if count > 1 else 0,
        "shots": [
            {
                "index": index,
                "framing": framings[index - 1],
                "prompt": prompts[index - 1],
                "seed": seeds[index - 1],
                "startFrame": spans[index - 1][0],
                "endFrame": spans[index - 1][1],
                "reverse": shots[index - 1].reverse,
                "keyframe": keyframes[index - 1].name,
                "depth": depth_paths[index - 1].name,
            }
            for index in range(1, count + 1)
        ],
    }
    scene_path = work / "scene.json"
    scene_path.write_text(json.dumps(scene, indent=2), encoding="utf-8")
    ctx.progress(100.0, "Done")

    outputs = [
        Output("video.mp4", video_path, "video/mp4"),
        *(Output(p.name, p, "image/png") for p in keyframes),
        *(Output(p.name, p, "image/png") for p in depth_paths),
        Output("scene.json", scene_path, "application/json"),
    ]
    metrics = {
        "videoSeconds": seconds,
        "frames": total,
        "fps": fps,
        "width": size[0],
        "height": size[1],
        "shots": count,
        "seed": seed,
        "style": style.name,
        "cameraMovement": path.name,
        "mood": mood,
        "depthSource": "+".join(sorted(sources)),
        "renderer": renderer.name,
        "glDevice": getattr(renderer, "device", ""),
        "keyframeSeconds": round(timings["keyframes"], 2),
        "depthSeconds": round(timings["depth"], 2),
        "musicSeconds": round(timings["music"], 2),
        "renderSeconds": round(timings["render"], 2),
        "renderRealTimeFactor": round(timings["render"] / seconds, 3),
        **frame_timings,
    }
    log.info("3d video rendered: %s", metrics)
    return RunResult(outputs=outputs, metrics=metrics)


def _generate(
    inputs: dict[str, Any],
    ctx: RunContext,
    prompts: list[str],
    seeds: list[int],
    style: Any,
    keyframe_size: tuple[int, int] | None,
) -> list[Path]:
    from pipelines.sdxl.generate import GenerationRequest, generate
    from pipelines.sdxl.weights import resolve_model

    if keyframe_size is None:
        keyframe_size = TINY_KEYFRAME_SIZE if ctx.model_preset == "tiny" else KEYFRAME_SIZE
    steps = resolve_model(ctx.model_preset, ctx.models_dir).steps
    negative = ", ".join(n for n in (style.negative_prompt, inputs.get("negative_prompt")) if n)
    low, high = STAGES["keyframes"]
    span = (high - low) / len(prompts)
    paths = []
    for index, (prompt, seed) in enumerate(zip(prompts, seeds, strict=True), start=1):
        folder = Path(ctx.work_dir) / f"keyframe-{index:02d}"
        folder.mkdir(exist_ok=True)
        start = low + span * (index - 1)
        stage = f"Keyframe {index}/{len(prompts)}"
        request = GenerationRequest(
            prompt=prompt,
            style=style.base_style,
            negative_prompt=negative,
            width=keyframe_size[0],
            height=keyframe_size[1],
            steps=steps,
            seed=seed,
        )
        result = generate(request, SubContext(ctx, folder, start, start + span, stage))
        path = Path(ctx.work_dir) / f"keyframe_{index:02d}.png"
        shutil.move(str(result.outputs[0].path), path)
        shutil.rmtree(folder, ignore_errors=True)
        paths.append(path)
    return paths


def _copy(given: list[Path], count: int, work: Path) -> list[Path]:
    """Pre-made keyframes as keyframe_NN.png, reused in turn when there are fewer than shots."""
    paths = []
    for index in range(count):
        path = work / f"keyframe_{index + 1:02d}.png"
        shutil.copyfile(given[index % len(given)], path)
        paths.append(path)
    return paths


def _save_depth(disparity: Any, path: Path) -> Path:
    """The disparity as a 16-bit greyscale PNG (white = near)."""
    import numpy as np
    from PIL import Image

    Image.fromarray((disparity * 65535).astype(np.uint16)).save(path)
    return path


FEATURE = Feature(
    id="video_3d",
    title="3D video",
    slug="3d-video",
    description=(
        "A 1280x720 video of 15, 30 or 60 s: a camera moving through a generated scene in 3D."
    ),
    fields=(
        Field("prompt", "text", "Scene", required=True, max_length=2000, multiline=True),
        Field(
            "duration",
            "int",
            "Duration (s)",
            default=15,
            choices=(15, 30, 60),
            help="15 s is 2 shots, 30 s 3 shots, 60 s 6 shots of the same scene.",
        ),
        Field.options(
            "camera_movement",
            "Camera movement",
            camera_paths(),
            default="orbit",
        ),
        Field.options(
            "style",
            "Style",
            scene_styles(),
            default="cinematic",
        ),
        Field(
            "negative_prompt",
            "text",
            "Negative prompt (optional)",
            default="",
            max_length=1000,
            help="What the keyframes should not show.",
        ),
        Field.seed(
            "The same seed and settings give the same video; empty picks one from the prompt.",
            label="Seed (optional)",
        ),
        Field("fps", "int", "Frames per second", default=24, choices=(24, 30)),
        Field("music", "choice", "Music", default=NONE, choices=mood_choices()),
    ),
    output_kind="video",
    cost=lambda inputs: 8,
    cost_rule="8 credits",
    queue="video",
    priority=0,
    run=run,
)
