"""When everything happens: the lesson's beats laid out from the narration to fill the duration.

Narration comes first: each sentence's spoken length is known, and the beats (title card,
chapter cards, one step per sentence, recap, outro) are sized around it. Time left over
becomes paced pauses after sentences (where the diagram builds up), longer chapter cards, a
held recap and an outro, so the lesson lasts exactly the chosen duration.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import PipelineError
from pipelines.lesson.storyboard import Storyboard
from pipelines.media import tts
from pipelines.media.tts import Segment

TITLE = 3.0
CHAPTER = 2.0
GAP = 0.4  # the least pause after a sentence
SPEECH_DELAY = 0.3  # a step's picture starts moving a moment before its sentence
RECAP_HOLD = 1.5
OUTRO = 2.5
# the tightest layout, tried when the narration came out longer than estimated
TIGHT = {"title": 2.0, "chapter": 1.2, "gap": 0.15, "recap_hold": 0.6, "outro": 1.0}
PAUSE_SHARE = 0.6  # of the spare time: pauses after sentences (the rest: cards, recap, outro)


@dataclass(frozen=True)
class Beat:
    """One stretch of the lesson; `speech` is where its sentence sits, in video seconds."""

    kind: str  # title | chapter | step | recap | outro
    start: float
    end: float
    section: int = -1
    step: int = -1  # index into storyboard.steps
    speech: tuple[float, float] | None = None

    @property
    def length(self) -> float:
        return self.end - self.start


def fixed_seconds(storyboard: Storyboard, *, tight: bool = False) -> float:
    """Seconds the cards and least pauses take, whatever the narration."""
    layout = TIGHT if tight else {}
    steps = len(storyboard.steps)
    return (
        layout.get("title", TITLE)
        + layout.get("chapter", CHAPTER) * len(storyboard.sections)
        + layout.get("gap", GAP) * steps
        + SPEECH_DELAY * (steps + 1)
        + layout.get("recap_hold", RECAP_HOLD)
        + layout.get("outro", OUTRO)
    )


def estimate_seconds(storyboard: Storyboard, voice_style: str) -> float:
    """The lesson's least length with this voice (cheap: words / measured speaking rate)."""
    spoken = storyboard.script + " " + storyboard.recap_sentence
    return tts.estimate_seconds(spoken, voice_style) + fixed_seconds(storyboard)


def plan(storyboard: Storyboard, segments: list[Segment], duration: float) -> list[Beat]:
    """Beats covering [0, duration]: segments[i] is step i's sentence, the last is the recap."""
    steps = storyboard.steps
    if len(segments) != len(steps) + 1:
        raise PipelineError("The narration does not match the storyboard's sentences.")
    spoken = sum(s.end - s.start for s in segments)
    layout = {"title": TITLE, "chapter": CHAPTER, "gap": GAP, "recap_hold": RECAP_HOLD}
    layout["outro"] = OUTRO
    spare = duration - spoken - fixed_seconds(storyboard)
    if spare < 0:
        layout = dict(TIGHT)
        spare = duration - spoken - fixed_seconds(storyboard, tight=True)
    if spare < 0:
        raise PipelineError(
            f"The narration came out at {spoken:.0f} s of speech, too long for a "
            f"{duration:.0f} s lesson: shorten the script by about {math.ceil(-spare)} s of text."
        )
    pause = spare * PAUSE_SHARE / max(1, len(steps))
    cards = spare * (1 - PAUSE_SHARE)
    chapter_extra = min(1.0, cards * 0.3 / max(1, len(storyboard.sections)))
    recap_extra = (cards - chapter_extra * len(storyboard.sections)) / 2
    beats: list[Beat] = []
    cursor = 0.0

    def add(kind: str, length: float, **extra: object) -> Beat:
        nonlocal cursor
        beat = Beat(kind, cursor, cursor + length, **extra)  # type: ignore[arg-type]
        beats.append(beat)
        cursor = beat.end
        return beat

    add("title", layout["title"])
    index = 0
    for number, section in enumerate(storyboard.sections):
        add("chapter", layout["chapter"] + chapter_extra, section=number)
        for _ in section.steps:
            said = segments[index].end - segments[index].start
            start = cursor + SPEECH_DELAY
            add(
                "step",
                SPEECH_DELAY + said + layout["gap"] + pause,
                section=number,
                step=index,
                speech=(start, start + said),
            )
            index += 1
    said = segments[-1].end - segments[-1].start
    start = cursor + SPEECH_DELAY
    add(
        "recap",
        SPEECH_DELAY + said + layout["recap_hold"] + recap_extra,
        speech=(start, start + said),
    )
    add("outro", duration - cursor)
    return beats


def captions(beats: list[Beat], segments: list[Segment]) -> list[Segment]:
    """The narration's sentences at their places in the video (for lesson.srt)."""
    spoken = [b for b in beats if b.speech is not None]
    return [
        Segment(seg.text, beat.speech[0], beat.speech[1])  # type: ignore[index]
        for seg, beat in zip(segments, spoken, strict=True)
    ]


def place_narration(
    narration: Path, segments: list[Segment], beats: list[Beat], duration: float, out: Path
) -> Path:
    """Cut each sentence out of the narration and put it where its beat speaks it."""
    import numpy as np

    with wave.open(str(narration), "rb") as source:
        rate, width, channels = source.getframerate(), source.getsampwidth(), source.getnchannels()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    if width != 2 or channels != 1:
        raise PipelineError("The narration is not 16-bit mono audio.")
    placed = np.zeros(int(round(duration * rate)), dtype="<i2")
    spoken = [b for b in beats if b.speech is not None]
    for seg, beat in zip(segments, spoken, strict=True):
        clip = samples[int(seg.start * rate) : int(seg.end * rate)]
        at = int(round(beat.speech[0] * rate))  # type: ignore[index]
        clip = clip[: max(0, len(placed) - at)]
        placed[at : at + len(clip)] = clip
    with wave.open(str(out), "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(placed.tobytes())
    return out
