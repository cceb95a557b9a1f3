"""Background music: a seeded composer writes MIDI for a mood and a length, then renders it.

Moods are data (pipelines/media/data/moods.json): tempo, key, mode, chord progression as scale
degrees, General MIDI instruments and velocities. The MIDI is rendered with pretty-midi's
TimGM6mb soundfont by midirenderer (no system libraries). Fades, ducking and loudness
belong to the mix (pipelines.media.render), not here.
"""

from __future__ import annotations

import io
import json
import logging
import random
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

MOODS_FILE = Path(__file__).resolve().parent / "data" / "moods.json"
NONE = "none"
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
TARGET_RMS = 0.1  # about -20 dBFS: the soundfont renders quietly, the mix sets the final level


@dataclass(frozen=True)
class Mood:
    name: str
    label: str
    tempo: float
    key: int
    mode: str
    progression: list[int]
    beats_per_chord: int
    instruments: dict[str, int]
    dynamics: dict[str, int]
    arp_patterns: list[list[int]]
    arp_division: int


@cache
def moods() -> dict[str, Mood]:
    """Every mood by name, in file order."""
    entries = json.loads(MOODS_FILE.read_text(encoding="utf-8"))
    return {e["name"]: Mood(**e) for e in entries}


def mood_choices() -> tuple[str, ...]:
    """The `backgroundMusic` values: every mood, then none."""
    return (*moods(), NONE)


def chord(mood: Mood, degree: int) -> list[int]:
    """The triad plus seventh on a scale degree (1-7), as semitones above the key."""
    scale = SCALES[mood.mode]
    steps = [degree - 1 + offset for offset in (0, 2, 4, 6)]
    return [scale[s % 7] + 12 * (s // 7) for s in steps]


def compose(mood_name: str, seconds: float, seed: int) -> bytes:
    """A Standard MIDI File covering `seconds` for a mood; the same seed gives the same music."""
    import pretty_midi

    mood = moods()[mood_name]
    rng = random.Random(seed)
    beat = 60.0 / mood.tempo
    chord_seconds = beat * mood.beats_per_chord
    midi = pretty_midi.PrettyMIDI(initial_tempo=mood.tempo)
    tracks = {
        role: pretty_midi.Instrument(program=program, name=role)
        for role, program in mood.instruments.items()
    }
    # a seeded rotation of the progression, so two stories in one mood differ a little
    shift = rng.randrange(len(mood.progression))
    progression = mood.progression[shift:] + mood.progression[:shift]
    count = int(seconds / chord_seconds) + 2
    for index in range(count):
        start = index * chord_seconds
        tones = chord(mood, progression[index % len(progression)])
        swell = min(1.0, 0.55 + 0.15 * index)  # a gentle build over the first bars
        _add_chord(mood, tracks, tones, start, chord_seconds, swell, rng, beat)
    midi.instruments.extend(tracks.values())
    end = count * chord_seconds
    # a late control change keeps the renderer going through the last release tail
    for track in midi.instruments:
        track.control_changes.append(pretty_midi.ControlChange(7, 100, end + 2.0))
    buffer = io.BytesIO()
    midi.write(buffer)
    return buffer.getvalue()


def _add_chord(
    mood: Mood,
    tracks: dict[str, Any],
    tones: list[int],
    start: float,
    length: float,
    swell: float,
    rng: random.Random,
    beat: float,
) -> None:
    import pretty_midi

    def note(role: str, pitch: int, at: float, duration: float, accent: float = 1.0) -> None:
        if role not in tracks:
            return
        base = mood.dynamics.get(role, 64) * swell * accent
        velocity = max(1, min(127, int(base + rng.uniform(-6, 6))))
        tracks[role].notes.append(pretty_midi.Note(velocity, pitch, at, at + duration))

    root = mood.key
    for tone in tones[:3]:
        note("pad", root + tone, start, length * 1.02)
    note("bass", root - 12 + tones[0], start, length * 0.5)
    note("bass", root - 12 + tones[0], start + length * 0.5, length * 0.5, 0.9)
    if "arp" in tracks:
        pattern = rng.choice(mood.arp_patterns)
        step = beat / mood.arp_division
        for i in range(int(round(length / step))):
            pitch = root + 12 + tones[pattern[i % len(pattern)] % len(tones)]
            note("arp", pitch, start + i * step, step * 0.9, 1.0 if i % 2 == 0 else 0.8)
    if "pulse" in tracks:
        for i in range(0, int(round(length / beat)), 2):
            note(
                "pulse", root - 24 + tones[0], start + i * beat, beat * 0.8, 1.0 if i == 0 else 0.7
            )


@cache
def _soundfont() -> bytes:
    import importlib.util

    spec = importlib.util.find_spec("pretty_midi")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "TimGM6mb.sf2"
        if path.is_file():
            return path.read_bytes()
    raise PipelineError("The General MIDI soundfont (pretty-midi's TimGM6mb.sf2) is missing.")


def render_music(mood_name: str, seconds: float, seed: int, path: Path) -> Path:
    """Compose and render `seconds` of a mood to a 48 kHz stereo WAV at a steady level."""
    import midirenderer
    import numpy as np

    if mood_name not in moods():
        raise PipelineError(f"Unknown music mood {mood_name!r}.")
    wav_bytes = midirenderer.render_wave_from(_soundfont(), compose(mood_name, seconds, seed))
    with wave.open(io.BytesIO(wav_bytes)) as source:
        rate, channels = source.getframerate(), source.getnchannels()
        width = source.getsampwidth()
        raw = source.readframes(source.getnframes())
    if width != 2:
        raise PipelineError("The music renderer returned an unexpected sample format.")
    samples = np.frombuffer(raw, "<i2").astype(np.float32).reshape(-1, channels) / 32768.0
    samples = samples[: int(seconds * rate)]
    rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
    if rms > 1e-6:
        samples = samples * min(TARGET_RMS / rms, 0.98 / float(np.abs(samples).max()))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((samples * 32767).astype("<i2").tobytes())
    log.info("music %s: %.1f s rendered", mood_name, len(samples) / rate)
    return path
