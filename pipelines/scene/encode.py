"""Frames streamed to ffmpeg's stdin as they are rendered: never a whole video in memory."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import numpy as np

from pipelines.errors import PipelineError
from pipelines.media.ffmpeg import ffmpeg_exe

log = logging.getLogger(__name__)


class VideoWriter:
    """H.264 yuv420p MP4 (faststart) from raw RGB frames, with an optional audio track."""

    def __init__(
        self,
        path: Path,
        size: tuple[int, int],
        fps: int,
        *,
        audio: Path | None = None,
        seconds: float | None = None,
        preset: str = "veryfast",
        crf: int = 20,
    ) -> None:
        width, height = size
        self.path = Path(path)
        self.size = size
        self.frames = 0
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
        cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}"]
        cmd += ["-r", str(fps), "-i", "pipe:0"]
        if audio is not None:
            cmd += ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0"]
            cmd += ["-c:a", "aac", "-b:a", "160k"]
            if seconds is not None:
                cmd += ["-t", f"{seconds:.3f}"]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
        cmd += ["-movflags", "+faststart", str(self.path)]
        log.debug("ffmpeg %s", " ".join(cmd[1:]))
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def write(self, frame: np.ndarray) -> None:
        if frame.shape[:2] != (self.size[1], self.size[0]):
            raise ValueError(f"frame {frame.shape} does not match the video size {self.size}")
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        except BrokenPipeError:
            self._fail()
        self.frames += 1

    def close(self) -> Path:
        """Finish the file; raises PipelineError if ffmpeg failed."""
        self._proc.stdin.close()
        self._proc.wait()
        if self._proc.returncode != 0:
            self._fail()
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg (a cancelled job or an error) and remove the partial file."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self.path.unlink(missing_ok=True)

    def _fail(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        stderr = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
        log.error("ffmpeg encode failed: %s", stderr[-3000:])
        raise PipelineError("Video encoding failed (ffmpeg stopped); see the server log.")
