"""An animated, narrated lesson from a topic or a script (the `study_animation` feature).

The recipe, on the lesson engine (pipelines/lesson/) and the media engine (pipelines/media/):
1. storyboard: the script (or a text model's lesson for a topic) in sections and sentences,
   with each sentence's key terms, numbers, years, equations and lists
2. narration first: every sentence spoken, so each step's start and length are known
3. the beats laid out to fill the chosen duration exactly (pauses, build-ups, recap, outro)
4. music (or none), ducked under the placed narration
5. Manim draws the beats in the chosen style; its frames go straight into one ffmpeg pass
   that burns in the captions and writes lesson.mp4 (H.264 + AAC, faststart)
"""

from __future__ import annotations

import json
import logging
import math
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
from pipelines.lesson.catalog import styles, subjects
from pipelines.media import tts
from pipelines.media.music import NONE, mood_choices

log = logging.getLogger(__name__)

DURATIONS = (30, 60, 120, 180)
SIZE = (1920, 1080)
OUTPUT_FPS = 30
PLACEMENTS = ("bottom", "top", "none")
STAGES = {"storyboard": 0.0, "voice": 5.0, "music": 20.0, "animation": 25.0, "done": 99.0}


def check_script(inputs: dict[str, Any], services: Services = NO_SERVICES) -> None:
    """A script, or a text model to write one; and a script that fits the chosen duration."""
    from pipelines.lesson.schedule import estimate_seconds
    from pipelines.lesson.storyboard import from_script

    script = inputs.get("script") or ""
    if not script:
        if services.text_model is None:
            raise InputError(
                "script",
                "is needed: no text model is configured to write one from the topic "
                "(the operator can set STUDIO_TEXT_MODEL_URL and STUDIO_TEXT_MODEL)",
            )
        return
    duration = inputs["duration"]
    board = from_script(inputs["topic"], script, inputs["subject"], duration)
    estimate = estimate_seconds(board, inputs["voice_style"])
    if estimate <= duration:
        return
    rate = tts.voice_styles()[inputs["voice_style"]].words_per_second
    words = len(script.split())
    cut = min(words, math.ceil((estimate - duration) * rate))
    raise InputError(
        "script",
        f"would make a lesson of about {estimate:.0f} s with this voice ({words} words, with "
        f"the title, chapter and recap cards), over the chosen {duration} s: cut about {cut} "
        f"words ({100 * cut / words:.0f}%) or choose a longer duration",
    )


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """lesson.mp4 (1920x1080), lesson.srt and storyboard.json in ctx.work_dir."""
    return render_lesson(inputs, ctx)


def render_lesson(
    inputs: dict[str, Any],
    ctx: RunContext,
    *,
    size: tuple[int, int] = SIZE,
    fps: int | None = None,
    output_fps: int = OUTPUT_FPS,
) -> RunResult:
    """The recipe; tests pass a small size and frame rate (fps=None: the style's own)."""
    from pipelines.lesson import scenes, schedule
    from pipelines.lesson.encode import FramePipe
    from pipelines.media.music import render_music
    from pipelines.media.render import mix_audio
    from pipelines.media.subtitles import write_srt

    work = Path(ctx.work_dir)
    duration = int(inputs["duration"])
    style = styles()[inputs["animation_style"]]
    subject = subjects()[inputs["subject"]]
    mood = inputs["background_music"]
    timings: dict[str, float] = {}

    # 1. Storyboard
    started = time.perf_counter()
    ctx.progress(STAGES["storyboard"], "Storyboard")
    board, source = _storyboard(inputs, ctx)
    timings["storyboard"] = time.perf_counter() - started

    # 2. Narration: the steps' sentences, then the recap
    started = time.perf_counter()
    low, high = STAGES["voice"], STAGES["music"]

    def on_sentence(done: int, total: int) -> None:
        ctx.progress(low + (high - low) * done / total, f"Voice: sentence {done}/{total}")

    ctx.progress(low, "Voice")
    narration = tts.narrate(
        board.script + "\n\n" + board.recap_sentence,
        inputs["voice_style"],
        work,
        models_dir=ctx.models_dir,
        on_sentence=on_sentence,
    )
    if len(narration.segments) != len(board.steps) + 1:
        raise PipelineError("The narration did not split into the storyboard's sentences.")
    timings["voice"] = time.perf_counter() - started

    # 3. Beats, captions, the placed narration
    beats = schedule.plan(board, narration.segments, duration)
    cues = schedule.captions(beats, narration.segments)
    srt = write_srt(cues, work / "lesson.srt")
    voice = schedule.place_narration(
        narration.path, narration.segments, beats, duration, work / "voice.wav"
    )

    # 4. Music and mix
    started = time.perf_counter()
    ctx.progress(STAGES["music"], f"Music: {mood}")
    music = None
    if mood != NONE:
        seed = int.from_bytes(board.topic.encode()[:4].ljust(4, b"\0"), "big")
        music = render_music(mood, duration, seed, work / "music.wav")
    loudness = mix_audio(voice, music, work / "audio.wav", total_seconds=duration)
    timings["music"] = time.perf_counter() - started

    # 5. Animation + encode, one pass
    started = time.perf_counter()
    placement = inputs["caption_position"]
    pipe = FramePipe(
        work / "lesson.mp4",
        size=size,
        source_fps=fps or style.fps,
        output_fps=output_fps,
        duration=duration,
        audio=work / "audio.wav",
        captions=None if placement == "none" else srt,
        placement="bottom" if placement == "none" else placement,
    )
    low, high = STAGES["animation"], STAGES["done"]
    sections = len(board.sections)

    def on_beat(index: int, beat: Any) -> None:
        share = beat.start / duration
        where = {
            "title": "title card",
            "chapter": f"section {beat.section + 1}/{sections}",
            "step": f"section {beat.section + 1}/{sections}, sentence {beat.step + 1}",
            "recap": "recap",
            "outro": "outro",
        }[beat.kind]
        ctx.progress(low + (high - low) * share, f"Animating {where}")

    try:
        scenes.render(board, beats, style, subject, pipe, work_dir=work, on_beat=on_beat)
        video = pipe.close()
    except BaseException:
        pipe.abort()  # a cancelled job (progress raised) or a failed render: no half file
        raise
    timings["animation"] = time.perf_counter() - started
    for scratch in ("narration.wav", "voice.wav", "music.wav", "audio.wav"):
        (work / scratch).unlink(missing_ok=True)
    _remove_tree(work / "manim")

    storyboard = work / "storyboard.json"
    record = {**board.to_dict(), "source": source, "style": style.name, "duration": duration}
    record["beats"] = [
        {"kind": b.kind, "start": round(b.start, 3), "end": round(b.end, 3), "step": b.step}
        for b in beats
    ]
    storyboard.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    outputs = [
        Output("lesson.mp4", video, "video/mp4"),
        Output("lesson.srt", srt, "application/x-subrip"),
        Output("storyboard.json", storyboard, "application/json"),
    ]
    metrics = {
        "videoSeconds": duration,
        "narrationSeconds": round(sum(c.end - c.start for c in cues), 3),
        "sections": sections,
        "sentences": len(board.steps),
        "scriptSource": source,
        "animationStyle": style.name,
        "subject": subject.name,
        "diagram": subject.diagram,
        "voice": narration.voice,
        "mood": mood,
        "width": size[0],
        "height": size[1],
        "fps": output_fps,
        "animationFps": fps or style.fps,
        "framesDrawn": pipe.frames,
        "inputLufs": loudness["inputLufs"],
        **{f"{stage}Seconds": round(seconds, 2) for stage, seconds in timings.items()},
    }
    log.info("lesson rendered: %s", metrics)
    return RunResult(outputs=outputs, metrics=metrics)


def _storyboard(inputs: dict[str, Any], ctx: RunContext) -> tuple[Any, str]:
    """(storyboard, where its script came from): the user's script, or the text model's."""
    from pipelines.lesson.storyboard import from_lesson, from_script
    from pipelines.lesson.text_model import ask_lesson

    topic, subject, duration = inputs["topic"], inputs["subject"], int(inputs["duration"])
    script = inputs.get("script") or ""
    model = ctx.services.text_model
    if script and model is None:
        return from_script(topic, script, subject, duration), "script"
    if script and model is not None:
        # the user's words are narrated as written; the model only names sections and terms
        ctx.progress(STAGES["storyboard"] + 1, f"Storyboard: asking {model.model}")
        try:
            lesson = ask_lesson(model, topic, subject, duration, script=script)
        except PipelineError as exc:
            log.warning("storyboard by rule: %s", exc)
            return from_script(topic, script, subject, duration), "script"
        terms = {
            " ".join(s["text"].lower().split()): s["keyTerms"]
            for section in lesson["sections"]
            for s in section["sentences"]
        }
        titles = [section["title"] for section in lesson["sections"]]
        board = from_script(topic, script, subject, duration, titles=titles, key_terms=terms)
        return board, "script+text-model"
    if model is None:
        raise PipelineError("A script is needed: no text model is configured to write one.")
    ctx.progress(STAGES["storyboard"] + 1, f"Storyboard: asking {model.model}")
    lesson = ask_lesson(model, topic, subject, duration)
    board = from_lesson(topic, subject, duration, lesson)
    from pipelines.lesson.schedule import estimate_seconds

    estimate = estimate_seconds(board, inputs["voice_style"])
    if estimate > duration + 5:
        raise PipelineError(
            f"The text model wrote about {estimate:.0f} s of lesson for a {duration} s video. "
            "Try again, choose a longer duration, or write the script yourself."
        )
    return board, "text-model"


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


FEATURE = Feature(
    id="study_animation",
    title="Study animation",
    slug="study-animation",
    description=(
        "An animated lesson from a topic or your script: narrated, captioned, with chapter "
        "cards, key terms, a diagram and a recap, 30–180 s at 1920x1080."
    ),
    fields=(
        Field("topic", "text", "Topic", required=True, max_length=200),
        Field(
            "script",
            "text",
            "Script (optional)",
            default="",
            max_length=5000,
            multiline=True,
            help="Leave empty to have the configured text model write the lesson.",
        ),
        Field.options(
            "subject",
            "Subject",
            subjects(),
            default="science",
        ),
        Field.options(
            "animation_style",
            "Animation style",
            styles(),
            default="whiteboard",
        ),
        Field("duration", "int", "Duration (s)", default=60, choices=DURATIONS),
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
            default=NONE,
            choices=mood_choices(),
            preview="music",
        ),
        Field(
            "caption_position",
            "choice",
            "Captions",
            default="bottom",
            choices=PLACEMENTS,
            labels=("Bottom", "Top", "Off"),
        ),
    ),
    output_kind="video",
    cost=lambda inputs: 5,
    cost_rule="5 credits",
    queue="video",
    priority=0,
    run=run,
    checks=(check_script,),
)
