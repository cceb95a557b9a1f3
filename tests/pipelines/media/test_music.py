"""Music: moods are data, the composer is seeded, rendering needs no system libraries."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from pipelines.media import music


def test_moods_match_the_seed_choices():
    assert music.mood_choices() == ("epic", "emotional", "uplifting", "mysterious", "none")


def test_the_same_seed_writes_the_same_midi_and_another_seed_differs():
    first = music.compose("epic", 20, seed=7)
    assert first == music.compose("epic", 20, seed=7)
    assert first != music.compose("epic", 20, seed=8)


@pytest.mark.parametrize("mood", ["epic", "emotional", "uplifting", "mysterious"])
def test_every_mood_renders_to_the_asked_length_at_a_steady_level(mood, tmp_path):
    path = music.render_music(mood, 6.0, seed=1, path=tmp_path / "music.wav")
    with wave.open(str(path)) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2") / 32768
    assert (rate, channels) == (48000, 2)
    assert len(samples) / channels / rate == pytest.approx(6.0, abs=0.01)
    rms = float(np.sqrt(np.mean(samples**2)))
    assert 0.03 < rms < 0.2
