"""Short, free previews for the forms: one sentence of a voice style, 10 s of a music mood."""

from __future__ import annotations

import tempfile
import wave
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipelines.errors import InputError
from pipelines.media import music, tts
from pipelines.media.ffmpeg import run_ffmpeg

PREVIEW_SENTENCE = (
    "Once upon a time, in a city of glass towers, a small robot looked up at the stars."
)
MUSIC_SECONDS = 10.0


def _read_wav(path: Path) -> tuple[int, Any]:
    import numpy as np

    with wave.open(str(path)) as source:
        rate, channels = source.getframerate(), source.getnchannels()
        samples = np.frombuffer(source.readframes(source.getnframes()), "<i2")
    return rate, samples.reshape(-1, channels) if channels > 1 else samples


@lru_cache(maxsize=16)  # a preview is the same every time: speak it once per style
def preview_voice(style: str, models_dir: Path | None = None) -> tuple[int, Any]:
    """(sample rate, int16 samples) of one sample sentence in a voice style."""
    if style not in tts.voice_styles():
        raise InputError("voiceStyle", f"must be one of {', '.join(tts.voice_styles())}")
    with tempfile.TemporaryDirectory(prefix="voice-preview-") as tmp:
        narration = tts.narrate(PREVIEW_SENTENCE, style, Path(tmp), models_dir=models_dir)
        return _read_wav(narration.path)


@lru_cache(maxsize=16)
def preview_music(mood: str, seed: int = 1) -> tuple[int, Any] | None:
    """(sample rate, int16 stereo samples) of 10 s of a mood with fades; None for `none`."""
    if mood == music.NONE:
        return None
    if mood not in music.moods():
        raise InputError("backgroundMusic", f"must be one of {', '.join(music.mood_choices())}")
    with tempfile.TemporaryDirectory(prefix="music-preview-") as tmp:
        raw = music.render_music(mood, MUSIC_SECONDS, seed, Path(tmp) / "raw.wav")
        faded = Path(tmp) / "preview.wav"
        fades = f"afade=t=in:d=1,afade=t=out:st={MUSIC_SECONDS - 2}:d=2"
        run_ffmpeg(["-i", str(raw), "-af", fades, "-c:a", "pcm_s16le", str(faded)], what="preview")
        return _read_wav(faded)
