"""Rendering: the MP4 a user gets (size, rate, length, audio, loudness), and the mix."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipelines.errors import PipelineError
from pipelines.media.ffmpeg import ffmpeg_exe, loudnorm_stats, probe
from pipelines.media.render import TARGET_LUFS, mix_audio, render_video, title_card
from pipelines.media.subtitles import write_srt
from pipelines.media.timeline import build_timeline

SIZE = (320, 180)
TITLE = 2.0


def _render(narration, keyframes, folder: Path, mood: str | None, subtitles: bool = True):
    from pipelines.media.music import render_music

    timeline = build_timeline(
        narration.segments, narration.duration, fps=24, title_seconds=TITLE, seed=1
    )
    music = render_music(mood, timeline.duration, 1, folder / "music.wav") if mood else None
    mix_audio(
        narration.path,
        music,
        folder / "audio.wav",
        total_seconds=timeline.duration,
        delay_seconds=timeline.title_seconds,
    )
    card = title_card("A Test Title", SIZE, folder / "title.png", keyframes[0])
    pictures = [card] + [keyframes[i % len(keyframes)] for i in range(len(timeline.scenes) - 1)]
    srt = write_srt(timeline.segments, folder / "story.srt") if subtitles else None
    shares: list[float] = []
    video = render_video(
        timeline,
        pictures,
        folder / "audio.wav",
        folder / "story.mp4",
        size=SIZE,
        subtitles=srt,
        on_progress=shares.append,
    )
    return timeline, video, shares


@pytest.fixture(scope="module")
def with_music(narration, premade_keyframes, tmp_path_factory):
    return _render(narration, premade_keyframes, tmp_path_factory.mktemp("music"), "epic")


@pytest.fixture(scope="module")
def without_music(narration, premade_keyframes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("none")
    return _render(narration, premade_keyframes, folder, None, subtitles=False)


def _max_volume(path: Path, start: float, seconds: float) -> float:
    """Peak level in dBFS of a stretch of the audio (-inf for digital silence)."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-ss", str(start), "-t", str(seconds), "-i", str(path)]
        + ["-vn", "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    match = re.search(r"max_volume: (-?[\d.]+|-inf) dB", result.stderr)
    assert match, result.stderr[-500:]
    return float(match.group(1))


def test_video_has_the_size_rate_length_and_audio_asked_for(with_music, narration):
    timeline, video, shares = with_music
    info = probe(video)
    assert (info.width, info.height) == SIZE
    assert info.fps == 24
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.duration == pytest.approx(narration.duration + TITLE, abs=0.1)
    assert shares and shares[-1] == pytest.approx(1.0, abs=0.05)


def test_mp4_is_faststart(with_music):
    head = with_music[1].read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")


def test_loudness_is_minus_16_lufs_with_a_true_peak_ceiling(with_music, without_music):
    for _, video, _ in (with_music, without_music):
        stats = loudnorm_stats(video)
        assert stats["input_i"] == pytest.approx(TARGET_LUFS, abs=1.0)
        assert stats["input_tp"] <= -1.0


def test_music_plays_under_the_title_and_is_absent_when_none(with_music, without_music):
    # the title card comes before the voice: only music can sound there
    assert _max_volume(with_music[1], 0.5, 1.0) > -40
    assert _max_volume(without_music[1], 0.5, 1.0) < -80


def test_render_stops_when_progress_raises(narration, premade_keyframes, tmp_path):
    timeline = build_timeline(narration.segments, narration.duration, fps=24)
    pictures = [premade_keyframes[0]] * len(timeline.scenes)
    mix_audio(narration.path, None, tmp_path / "a.wav", total_seconds=timeline.duration)

    class Cancelled(Exception):
        pass

    def cancel(share: float) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        render_video(
            timeline,
            pictures,
            tmp_path / "a.wav",
            tmp_path / "v.mp4",
            size=SIZE,
            on_progress=cancel,
        )


def test_one_picture_per_scene_is_required(narration, premade_keyframes, tmp_path):
    timeline = build_timeline(narration.segments, narration.duration, fps=24)
    with pytest.raises(PipelineError, match="one picture"):
        render_video(timeline, [], tmp_path / "a.wav", tmp_path / "v.mp4", size=SIZE)


def test_subtitles_are_the_narration_sentences_shifted_past_the_title(with_music, narration):
    from pipelines.media.subtitles import parse_srt

    timeline, video, _ = with_music
    cues = parse_srt((video.parent / "story.srt").read_text(encoding="utf-8"))
    assert [c.text for c in cues] == [s.text for s in narration.segments]
    for cue, segment in zip(cues, narration.segments, strict=True):
        assert cue.start == pytest.approx(segment.start + TITLE, abs=0.001)
        assert cue.end == pytest.approx(segment.end + TITLE, abs=0.001)


def test_subtitles_are_burned_in_only_when_asked(with_music, without_music):
    import numpy as np

    timeline = with_music[0]
    first = timeline.segments[0]
    at = (first.start + first.end) / 2

    def frame(video: Path) -> np.ndarray:
        raw = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-ss", f"{at:.2f}", "-i", str(video)]
            + ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
            capture_output=True,
            check=True,
        ).stdout
        return np.frombuffer(raw, np.uint8).reshape(SIZE[1], SIZE[0]).astype(int)

    burned, clean = frame(with_music[1]), frame(without_music[1])
    bottom = SIZE[1] * 3 // 4
    # the same pictures and moves: only the subtitle band at the bottom differs
    assert np.abs(burned[:bottom] - clean[:bottom]).mean() < 3
    assert np.abs(burned[bottom:] - clean[bottom:]).mean() > 8


def test_an_encoded_file_over_the_peak_ceiling_is_brought_back_under_it(tmp_path):
    """AAC can overshoot the WAV's ceiling; the delivered file is measured and lowered."""
    from pipelines.media.ffmpeg import run_ffmpeg
    from pipelines.media.render import CEILING_DBTP, _keep_true_peak

    hot = tmp_path / "hot.wav"  # a square-ish wave at full scale: AAC overshoots it
    run_ffmpeg(["-f", "lavfi", "-i", "aevalsrc=0.99*sgn(sin(2*PI*220*t)):d=3", str(hot)])
    video = tmp_path / "hot.mp4"
    run_ffmpeg(
        [
            *("-f", "lavfi", "-i", "color=c=black:s=64x64:d=3", "-i", str(hot)),
            *("-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", str(video)),
        ]
    )
    assert loudnorm_stats(video)["input_tp"] > CEILING_DBTP  # the case being fixed
    _keep_true_peak(video, hot, 3.0)
    assert loudnorm_stats(video)["input_tp"] <= CEILING_DBTP
    assert probe(video).video_codec == "h264"
