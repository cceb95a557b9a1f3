"""Previews for the form: bounded (one sentence, 10 s) and checked like real inputs."""

from __future__ import annotations

import pytest

from pipelines.errors import InputError
from pipelines.media.previews import MUSIC_SECONDS, preview_music, preview_voice


def test_voice_preview_is_one_short_sentence():
    rate, samples = preview_voice("male-warm")
    assert rate == 22050
    assert 2.0 < len(samples) / rate < 10.0
    assert abs(samples).max() > 1000  # audible


def test_music_preview_is_ten_seconds_and_none_is_silence():
    rate, samples = preview_music("uplifting")
    assert samples.shape == (int(MUSIC_SECONDS * rate), 2)
    assert preview_music("none") is None


@pytest.mark.parametrize(("call", "value"), [(preview_voice, "robot"), (preview_music, "jazz")])
def test_unknown_choices_are_input_errors(call, value):
    with pytest.raises(InputError):
        call(value)
