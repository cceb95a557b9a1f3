"""One ffmpeg pass from Manim's frames to the final MP4: no intermediate movie files.

Manim hands every frame (RGBA) to a file writer; ours pipes it straight into ffmpeg, which adds
the mixed audio, converts to the output frame rate, burns in the captions and encodes H.264 +
AAC with +faststart. Held frames (Manim's waits) are sent as repeats, so a pause costs a pipe
write, not a render.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from pipelines.errors import PipelineError
from pipelines.media.ffmpeg import ffmpeg_exe

log = logging.getLogger(__name__)

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
CAPTION_FONT = "DejaVu Sans"
# libass scales these against a 288-line script: 15 is about 56 px on 1080 lines
CAPTION_STYLE = (
    "FontName={font},FontSize=15,PrimaryColour=&H00FFFFFF,BackColour=&H80000000,"
    "BorderStyle=4,Outline=0,Shadow=0,MarginV={margin},Alignment={alignment}"
)
PLACEMENT = {"bottom": (2, 14), "top": (8, 12)}


def caption_style(placement: str) -> str:
    alignment, margin = PLACEMENT[placement]
    return CAPTION_STYLE.format(font=CAPTION_FONT, margin=margin, alignment=alignment)


class FramePipe:
    """An ffmpeg process reading raw RGBA frames on stdin; `frames` counts what was sent."""

    def __init__(
        self,
        out: Path,
        *,
        size: tuple[int, int],
        source_fps: int,
        output_fps: int,
        duration: float,
        audio: Path,
        captions: Path | None,
        placement: str = "bottom",
    ) -> None:
        self.size, self.fps, self.frames = size, source_fps, 0
        width, height = size
        work = Path(out).parent
        chain = [f"tpad=stop_mode=clone:stop_duration={2.0}", f"fps={output_fps}"]
        if captions is not None:
            # a bare file name, run in its folder: no path escaping inside the filter graph
            (work / "burn.srt").write_bytes(Path(captions).read_bytes())
            chain.append(f"subtitles=filename=burn.srt:force_style='{caption_style(placement)}'")
        chain.append("format=yuv420p")
        args = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}",
            "-framerate", str(source_fps), "-i", "pipe:0",
            "-i", str(Path(audio).resolve()),
            "-filter_complex", f"[0:v]{','.join(chain)}[v]",
            "-map", "[v]", "-map", "1:a", *X264, "-r", str(output_fps),
            "-c:a", "aac", "-b:a", "160k", "-t", f"{duration:.3f}",
            "-movflags", "+faststart", str(Path(out).resolve()),
        ]  # fmt: skip
        # open for the process's whole life, closed in close()/abort()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(
            args, cwd=work, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr
        )
        self.out = Path(out)

    def write(self, pixels: object, repeat: int = 1) -> None:
        data = memoryview(pixels).cast("B")  # type: ignore[arg-type]
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            for _ in range(repeat):
                stdin.write(data)
        except BrokenPipeError:
            raise PipelineError(f"Video encoding stopped early: {self._error()}") from None
        self.frames += repeat

    def close(self) -> Path:
        """Finish the file; raises PipelineError when ffmpeg failed."""
        if self._proc.stdin:
            self._proc.stdin.close()
        code = self._proc.wait()
        if code != 0:
            raise PipelineError(f"Video encoding failed: {self._error()}")
        (self.out.parent / "burn.srt").unlink(missing_ok=True)
        self._stderr.close()
        return self.out

    def abort(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()
        self.out.unlink(missing_ok=True)

    def _error(self) -> str:
        self._stderr.seek(0)
        message = self._stderr.read().decode(errors="replace").strip()
        log.error("lesson encode: %s", message[-2000:])
        return message.splitlines()[-1] if message else "ffmpeg exited"


def writer_class(pipe: FramePipe, on_frame: Callable[[int], None] | None = None) -> type:
    """A Manim SceneFileWriter that sends frames to `pipe` instead of writing movie files."""
    from manim.scene.scene_file_writer import SceneFileWriter

    class PipeWriter(SceneFileWriter):
        def begin_animation(self, allow_write=False, *, animation_index, file_path=None):  # noqa: ANN001
            pass

        def end_animation(self, allow_write=False):  # noqa: ANN001
            pass

        def add_partial_movie_file(self, hash_animation):  # noqa: ANN001
            pass

        def is_already_cached(self, hash_invocation):  # noqa: ANN001
            return False

        def write_frame(self, pixels, *, repeat=1):  # noqa: ANN001
            pipe.write(pixels, repeat)
            if on_frame:
                on_frame(pipe.frames)

        def save_image(self, pixels):  # noqa: ANN001
            pass

        def finish(self):
            pass

    return PipeWriter
