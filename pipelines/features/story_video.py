"""A narrated cinematic story video with music (the `story_video` feature).

The recipe, on the shared media engine (pipelines/media/):
1. narrate the script sentence by sentence (every sentence's time is known)
2. lay out the timeline: title card, scenes of a few seconds, motions, transitions
3. compose and render the music for that length (unless `none`)
4. mix: music ducked under the voice, normalised to -16 LUFS
5. one keyframe per scene from the image pipeline, in the visual style, one seed
6. render the MP4 (and the .srt) with ffmpeg
"""

from __future__ import annotations

import hashlib
import logging
import math
import shutil
import time
from pathlib import Path
from typing import Any

from pipelines.declare import (
    NO_SERVICES,
    Feature,
    Field,
    Output,
    RunContext,
    RunResult,
    Services,
)
from pipelines.errors import InputError, PipelineError
from pipelines.media import tts
from pipelines.media.keyframes import visual_styles
from pipelines.media.music import NONE, mood_choices

log = logging.getLogger(__name__)

MAX_SECONDS = 180.0
TITLE_SECONDS = 3.0
FPS = 24
SIZE = (1920, 1080)
KEYFRAME_SIZE = {"tiny": (512, 512)}  # the tiny model is a stand-in: keep it cheap
DEFAULT_KEYFRAME_SIZE = (1344, 768)  # SDXL's 16:9 bucket
STAGES = {"voice": (0.0, 20.0), "music": (20.0, 25.0), "keyframes": (25.0, 60.0)}
RENDER = (60.0, 99.0)


def check_length(inputs: dict[str, Any], services: Services = NO_SERVICES) -> None:
    """Reject a script whose narration would pass 180 s (cheap: words / measured rate)."""
    script, style = inputs["script"], inputs["voice_style"]
    title = TITLE_SECONDS if inputs.get("title") else 0.0
    estimate = tts.estimate_seconds(script, style) + title
    if estimate <= MAX_SECONDS:
        return
    rate = tts.voice_styles()[style].words_per_second
    words = len(script.split())
    cut = math.ceil((estimate - MAX_SECONDS) * rate)
    raise InputError(
        "script",
        f"would be about {estimate:.0f} s of narration with this voice ({words} words), "
        f"over the {MAX_SECONDS:.0f} s limit: cut about {cut} words "
        f"({100 * cut / words:.0f}%)",
    )


def story_seed(inputs: dict[str, Any]) -> int:
    """One seed per story, from its text: re-running a story gives the same pictures."""
    key = f"{inputs['script']}|{inputs['visual_style']}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big")


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """story.mp4 (1920x1080), story.srt and keyframe_NN.png in ctx.work_dir."""
    return render_story(inputs, ctx)


def render_story(
    inputs: dict[str, Any],
    ctx: RunContext,
    *,
    size: tuple[int, int] = SIZE,
    fps: int = FPS,
    keyframes: list[Path] | None = None,
) -> RunResult:
    """The recipe; tests pass a small size, the bench passes pre-made keyframes."""
    from pipelines.media.music import render_music
    from pipelines.media.render import mix_audio, render_video, title_card
    from pipelines.media.subtitles import write_srt
    from pipelines.media.timeline import build_timeline

    work = Path(ctx.work_dir)
    seed = story_seed(inputs)
    title = (inputs.get("title") or "").strip()
    mood = inputs["background_music"]
    timings: dict[str, float] = {}

    # 1. Narration
    started = time.perf_counter()
    low, high = STAGES["voice"]
    ctx.progress(low, "Voice")

    def on_sentence(done: int, total: int) -> None:
        ctx.progress(low + (high - low) * done / total, f"Voice: sentence {done}/{total}")

    narration = tts.narrate(
        inputs["script"],
        inputs["voice_style"],
        work,
        models_dir=ctx.models_dir,
        on_sentence=on_sentence,
    )
    timings["tts"] = time.perf_counter() - started
    title_seconds = TITLE_SECONDS if title else 0.0
    if narration.duration + title_seconds > MAX_SECONDS + 1.0:
        over = narration.duration + title_seconds - MAX_SECONDS
        raise PipelineError(
            f"The narration came out at {narration.duration:.0f} s, over the "
            f"{MAX_SECONDS:.0f} s limit: shorten the script by about {over:.0f} s of text."
        )

    # 2. Timeline
    timeline = build_timeline(
        narration.segments, narration.duration, fps=fps, title_seconds=title_seconds, seed=seed
    )

    # 3. Music, 4. mix
    started = time.perf_counter()
    ctx.progress(STAGES["music"][0], f"Music: {mood}")
    music = None
    if mood != NONE:
        music = render_music(mood, timeline.duration, seed, work / "music.wav")
    loudness = mix_audio(
        narration.path,
        music,
        work / "audio.wav",
        total_seconds=timeline.duration,
        delay_seconds=timeline.title_seconds,
    )
    timings["music"] = time.perf_counter() - started

    # 5. Keyframes
    started = time.perf_counter()
    story_scenes = [s for s in timeline.scenes if s.segments]
    if keyframes is None:
        keyframes = _generate(inputs, ctx, [s.text for s in story_scenes], seed)
    else:
        keyframes = _copy_keyframes(keyframes, len(story_scenes), work)
    timings["keyframes"] = time.perf_counter() - started
    pictures = list(keyframes)
    if title:
        pictures.insert(0, title_card(title, size, work / "title.png", keyframes[0]))

    # 6. Subtitles and render
    srt = write_srt(timeline.segments, work / "story.srt")
    started = time.perf_counter()
    low, high = RENDER
    ctx.progress(low, "Rendering video")

    def on_render(share: float) -> None:
        ctx.progress(low + (high - low) * share, "Rendering video")

    video = render_video(
        timeline,
        pictures,
        work / "audio.wav",
        work / "story.mp4",
        size=size,
        subtitles=srt if inputs.get("subtitles", True) else None,
        on_progress=on_render,
    )
    timings["render"] = time.perf_counter() - started
    for scratch in ("narration.wav", "music.wav", "audio.wav", "title.png"):
        (work / scratch).unlink(missing_ok=True)

    outputs = [
        Output("story.mp4", video, "video/mp4"),
        Output("story.srt", srt, "application/x-subrip"),
        *(Output(p.name, p, "image/png") for p in keyframes),
    ]
    metrics = {
        "videoSeconds": round(timeline.duration, 3),
        "narrationSeconds": round(narration.duration, 3),
        "titleSeconds": timeline.title_seconds,
        "scenes": len(story_scenes),
        "sentences": len(narration.segments),
        "voiceStyle": inputs["voice_style"],
        "voice": narration.voice,
        "mood": mood,
        "visualStyle": inputs["visual_style"],
        "seed": seed,
        "width": size[0],
        "height": size[1],
        "fps": fps,
        "inputLufs": loudness["inputLufs"],
        "ttsSeconds": round(timings["tts"], 2),
        "ttsRealTimeFactor": round(timings["tts"] / narration.duration, 3),
        "musicSeconds": round(timings["music"], 2),
        "keyframeSeconds": round(timings["keyframes"], 2),
        "renderSeconds": round(timings["render"], 2),
    }
    log.info("story rendered: %s", metrics)
    return RunResult(outputs=outputs, metrics=metrics)


def _generate(inputs: dict[str, Any], ctx: RunContext, texts: list[str], seed: int) -> list[Path]:
    from pipelines.media.keyframes import generate_keyframes
    from pipelines.sdxl.weights import resolve_model

    size = KEYFRAME_SIZE.get(ctx.model_preset, DEFAULT_KEYFRAME_SIZE)
    steps = resolve_model(ctx.model_preset, ctx.models_dir).steps
    return generate_keyframes(
        texts,
        inputs["visual_style"],
        seed,
        ctx,
        size=size,
        steps=steps,
        progress_range=STAGES["keyframes"],
    )


def _copy_keyframes(given: list[Path], count: int, work: Path) -> list[Path]:
    """Pre-made pictures as keyframe_NN.png, reused in turn when there are fewer than scenes."""
    if not given:
        raise PipelineError("No keyframes were given.")
    paths = []
    for index in range(count):
        path = work / f"keyframe_{index + 1:02d}.png"
        shutil.copyfile(given[index % len(given)], path)
        paths.append(path)
    return paths


FEATURE = Feature(
    id="story_video",
    title="Story video",
    slug="story-video",
    description="Your script as a 1920x1080 video, up to 180 s, with narration and music.",
    fields=(
        Field("script", "text", "Script", required=True, max_length=5000, multiline=True),
        Field.options(
            "visual_style",
            "Visual style",
            visual_styles(),
            default="cinematic",
        ),
        Field.options(
            "voice_style",
            "Voice",
            tts.voice_styles(),
            default="male-warm",
            preview="voice",
        ),
        Field(
            "background_music",
            "choice",
            "Background music",
            default="epic",
            choices=mood_choices(),
            preview="music",
        ),
        Field(
            "title",
            "text",
            "Title card (optional)",
            default="",
            max_length=120,
            help="Shown for 3 s before the narration starts.",
        ),
        Field("subtitles", "bool", "Burn in subtitles", default=True),
    ),
    output_kind="video",
    cost=lambda inputs: 10,
    cost_rule="10 credits",
    queue="video",
    priority=0,
    run=run,
    checks=(check_length,),
)
