"""The timeline: narration drives it. Sentences group into scenes of a few seconds to ~12 s;
each scene lasts exactly as long as its sentences, gets a camera motion and a transition.

Times are snapped to whole frames here, once, so the renderer and the subtitles agree.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.media.tts import Segment

MOTION_FILE = Path(__file__).resolve().parent / "data" / "motion.json"
MIN_SCENE_SECONDS = 4.0
TARGET_SCENE_SECONDS = 7.0
MAX_SCENE_SECONDS = 12.0


@dataclass(frozen=True)
class Motion:
    """A camera move as start/end zoom and position (0..1 of the free space), eased."""

    name: str
    zoom: tuple[float, float]
    x: tuple[float, float]
    y: tuple[float, float]


@dataclass(frozen=True)
class Scene:
    """One picture on screen: frames [start_frame, end_frame) plus the sentences spoken."""

    index: int
    start_frame: int
    end_frame: int
    segments: tuple[Segment, ...]
    motion: Motion
    transition: str | None  # the ffmpeg xfade into the NEXT scene; None for the last

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass(frozen=True)
class Timeline:
    fps: int
    title_frames: int  # frames of the title card before the narration (0: no title)
    scenes: tuple[Scene, ...]  # the title card, when there is one, is scene 0
    total_frames: int
    transition_frames: int
    segments: tuple[Segment, ...]  # every sentence, in video time (title included)

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps

    @property
    def title_seconds(self) -> float:
        return self.title_frames / self.fps


@cache
def motion_data() -> dict[str, Any]:
    return json.loads(MOTION_FILE.read_text(encoding="utf-8"))


def _motion(entry: dict[str, Any]) -> Motion:
    return Motion(entry["name"], tuple(entry["zoom"]), tuple(entry["x"]), tuple(entry["y"]))


def group_sentences(segments: list[Segment]) -> list[list[Segment]]:
    """Consecutive sentences into scenes of MIN..MAX seconds (a long sentence stands alone)."""
    groups: list[list[Segment]] = []
    for segment in segments:
        current = groups[-1] if groups else None
        if current:
            span = current[-1].end - current[0].start
            with_next = segment.end - current[0].start
            if span < TARGET_SCENE_SECONDS and with_next <= MAX_SCENE_SECONDS:
                current.append(segment)
                continue
        groups.append([segment])
    # a short last scene joins the one before it when they fit together
    if len(groups) > 1:
        tail = groups[-1][-1].end - groups[-1][0].start
        joined = groups[-1][-1].end - groups[-2][0].start
        if tail < MIN_SCENE_SECONDS and joined <= MAX_SCENE_SECONDS * 1.25:
            groups[-2] += groups.pop()
    return groups


def build_timeline(
    segments: list[Segment],
    narration_seconds: float,
    *,
    fps: int,
    title_seconds: float = 0.0,
    seed: int = 0,
) -> Timeline:
    """Scenes, motions and transitions for a narration; total = title + narration."""
    rng = random.Random(seed)
    data = motion_data()
    motions = [_motion(m) for m in data["motions"]]
    transitions = [t["xfade"] for t in data["transitions"]]
    transition_frames = max(1, round(data["transition_seconds"] * fps))
    title_frames = round(title_seconds * fps)
    total_frames = title_frames + round(narration_seconds * fps)

    def frame(t: float) -> int:
        return title_frames + round(t * fps)

    groups = group_sentences(segments)
    # a scene starts in the pause before its first sentence (midway), so cuts fall on silence
    starts = [0] + [
        frame((prev[-1].end + group[0].start) / 2)
        for prev, group in zip(groups[:-1], groups[1:], strict=True)
    ]
    if title_frames:
        starts = [0, title_frames, *starts[1:]]
    ends = starts[1:] + [total_frames]
    offset = rng.randrange(len(motions))
    scenes = []
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        is_title = bool(title_frames) and index == 0
        group = () if is_title else tuple(groups[index - (1 if title_frames else 0)])
        motion = (
            _motion(data["title_motion"]) if is_title else motions[(offset + index) % len(motions)]
        )
        last = index == len(starts) - 1
        scenes.append(
            Scene(
                index=index,
                start_frame=start,
                end_frame=end,
                segments=group,
                motion=motion,
                transition=None if last else rng.choice(transitions),
            )
        )
    shift = title_frames / fps
    timed = tuple(Segment(s.text, s.start + shift, s.end + shift) for s in segments)
    return Timeline(fps, title_frames, tuple(scenes), total_frames, transition_frames, timed)
