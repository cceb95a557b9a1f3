"""Running the ffmpeg binary that imageio-ffmpeg ships, and reading what it reports."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)


@cache
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg (no system install needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    what: str = "ffmpeg",
    on_seconds: Callable[[float], None] | None = None,
) -> str:
    """Run ffmpeg with args; returns its stderr. on_seconds gets the encoded position."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]
    if on_seconds is not None:
        cmd[1:1] = ["-progress", "pipe:1", "-nostats"]
    log.debug("ffmpeg %s", " ".join(cmd[1:]))
    with subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    ) as proc:
        try:
            if on_seconds is not None and proc.stdout is not None:
                for line in proc.stdout:
                    if line.startswith("out_time_us=") and line[12:].strip().isdigit():
                        # on_seconds may raise (a cancelled job): the finally below stops ffmpeg
                        on_seconds(int(line[12:]) / 1e6)
            stderr = proc.stderr.read() if proc.stderr else ""
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
    if proc.returncode != 0:
        log.error("%s failed (%s): %s", what, proc.returncode, stderr[-3000:])
        raise PipelineError(f"Video rendering failed while running {what}.")
    return stderr


@dataclass(frozen=True)
class MediaInfo:
    """What `ffmpeg -i` says about a file (ffprobe is not bundled)."""

    duration: float
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    audio_rate: int | None


def probe(path: Path) -> MediaInfo:
    """Duration, size, frame rate and codecs of a media file."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    )
    text = result.stderr
    match = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", text)
    if not match:
        raise PipelineError(f"Could not read media file {Path(path).name}.")
    h, m, s = match.groups()
    video = re.search(r"Stream #.*Video: (\w+).*?, (\d{2,5})x(\d{2,5})", text)
    fps = re.search(r"(\d+(?:\.\d+)?) fps", text)
    audio = re.search(r"Stream #.*Audio: (\w+).*?, (\d+) Hz", text)
    return MediaInfo(
        duration=int(h) * 3600 + int(m) * 60 + float(s),
        width=int(video.group(2)) if video else None,
        height=int(video.group(3)) if video else None,
        fps=float(fps.group(1)) if fps and video else None,
        video_codec=video.group(1) if video else None,
        audio_codec=audio.group(1) if audio else None,
        audio_rate=int(audio.group(2)) if audio else None,
    )


def loudnorm_stats(path: Path, target: float = -16.0, peak: float = -1.5) -> dict[str, float]:
    """Integrated loudness, true peak, range and threshold (loudnorm's first pass)."""
    stderr = run_ffmpeg(
        [
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            f"loudnorm=I={target}:TP={peak}:LRA=11:print_format=json",
            "-f",
            "null",
            "-",
        ],
        what="loudness measurement",
    )
    block = stderr[stderr.rindex("{") : stderr.rindex("}") + 1]
    return {key: float(value) for key, value in json.loads(block).items() if _number(value)}


def _number(value: str) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
