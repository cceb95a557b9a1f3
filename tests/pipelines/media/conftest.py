"""Shared media fixtures: a short narration and detailed pre-made keyframes, made once."""

from __future__ import annotations

from pathlib import Path

import pytest

SCRIPT = (
    "The old lighthouse keeper climbed the stairs every evening. "
    "He watched the ships return from the storm, one by one. "
    "Nobody in the village remembered when he first arrived."
)


@pytest.fixture(scope="session")
def narration(tmp_path_factory: pytest.TempPathFactory):
    """The script spoken by the piper voice (male-warm)."""
    from pipelines.media.tts import narrate

    return narrate(SCRIPT, "male-warm", tmp_path_factory.mktemp("narration"))


@pytest.fixture(scope="session")
def premade_keyframes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three detailed 16:9 and square pictures (ffmpeg's test sources), no model needed."""
    from pipelines.media.ffmpeg import run_ffmpeg

    folder = tmp_path_factory.mktemp("keyframes")
    sources = ["mandelbrot=s=640x360", "testsrc2=s=512x512", "smptehdbars=s=640x360"]
    paths = []
    for i, source in enumerate(sources):
        path = folder / f"premade_{i}.png"
        run_ffmpeg(["-f", "lavfi", "-i", source, "-frames:v", "1", str(path)])
        paths.append(path)
    return paths
