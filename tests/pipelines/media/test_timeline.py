"""The timeline: narration drives it; scenes cover it exactly, frame for frame."""

from __future__ import annotations

from pipelines.media.subtitles import parse_srt, srt_time, to_srt
from pipelines.media.timeline import (
    MAX_SCENE_SECONDS,
    MIN_SCENE_SECONDS,
    build_timeline,
    group_sentences,
)
from pipelines.media.tts import Segment


def _segments(lengths: list[float], gap: float = 0.35) -> list[Segment]:
    cursor, result = 0.25, []
    for i, length in enumerate(lengths):
        result.append(Segment(f"Sentence {i}.", cursor, cursor + length))
        cursor += length + gap
    return result


def test_scenes_last_a_few_seconds_to_about_twelve():
    segments = _segments([2.5, 3.0, 2.0, 4.0, 3.5, 1.5, 2.2, 3.3, 2.8, 14.0, 2.0, 2.0])
    groups = group_sentences(segments)
    assert sum(len(g) for g in groups) == len(segments)
    for group, after in zip(groups, [*groups[1:], None], strict=True):
        span = group[-1].end - group[0].start
        assert span <= MAX_SCENE_SECONDS or len(group) == 1  # a long sentence stands alone
        # shorter only at the end, or before a sentence that would not fit beside it
        assert span >= MIN_SCENE_SECONDS or after is None or after[0].end - group[0].start > 12
    assert [len(g) for g in groups if g[-1].end - g[0].start > MAX_SCENE_SECONDS] == [1]


def test_timeline_covers_title_plus_narration_exactly():
    segments = _segments([3.0, 2.5, 4.0, 3.0, 2.0, 3.5])
    narration_seconds = segments[-1].end + 0.6
    timeline = build_timeline(segments, narration_seconds, fps=24, title_seconds=3.0, seed=3)
    assert timeline.title_frames == 72
    assert timeline.total_frames == 72 + round(narration_seconds * 24)
    scenes = timeline.scenes
    assert scenes[0].segments == () and scenes[0].motion.name == "title"
    assert scenes[0].start_frame == 0 and scenes[-1].end_frame == timeline.total_frames
    for before, after in zip(scenes[:-1], scenes[1:], strict=True):
        assert before.end_frame == after.start_frame
        assert before.transition is not None
    assert scenes[-1].transition is None
    # every sentence is on screen during its own scene
    for scene in scenes[1:]:
        for segment in scene.segments:
            shifted = segment.start + 3.0
            assert scene.start_frame / 24 <= shifted < scene.end_frame / 24
    assert timeline.segments[0].start == segments[0].start + 3.0


def test_the_same_seed_gives_the_same_motions_and_transitions():
    segments = _segments([3.0] * 8)
    a = build_timeline(segments, 30.0, fps=30, seed=5)
    b = build_timeline(segments, 30.0, fps=30, seed=5)
    assert [(s.motion, s.transition) for s in a.scenes] == [
        (s.motion, s.transition) for s in b.scenes
    ]


def test_srt_round_trips_the_segment_times():
    segments = [Segment("One.", 0.25, 1.5), Segment("Two, then three.", 61.0049, 3725.25)]
    text = to_srt(segments)
    assert "00:01:01,005 --> 01:02:05,250" in text
    assert srt_time(0.0004) == "00:00:00,000"
    back = parse_srt(text)
    assert [c.text for c in back] == ["One.", "Two, then three."]
    for cue, segment in zip(back, segments, strict=True):
        assert abs(cue.start - segment.start) <= 0.0005
        assert abs(cue.end - segment.end) <= 0.0005
