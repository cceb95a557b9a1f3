"""Rendering with ffmpeg filter graphs: the audio mix, the title card, the picture, the MP4.

Audio: narration (delayed past the title) over music that fades in and out and ducks under
the voice (sidechaincompress), mixed (amix) and normalised to -16 LUFS integrated with a
true-peak ceiling (two-pass loudnorm). Picture: each scene's keyframe moves (zoompan),
scenes join with xfade transitions, subtitles are burned in with libass when asked, and
the result is H.264 + AAC in MP4 with +faststart. One ffmpeg process draws every frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from pipelines.errors import PipelineError
from pipelines.media.ffmpeg import loudnorm_stats, run_ffmpeg
from pipelines.media.timeline import Motion, Timeline

log = logging.getLogger(__name__)

TARGET_LUFS = -16.0
TRUE_PEAK = -1.5  # dBTP; a little under -1 so AAC encoding cannot push peaks over it
LIMIT_DB = -1.8  # the safety limiter's ceiling (dBFS at 192 kHz)
CEILING_DBTP = -1.0  # what the delivered file's true peak must stay under (streaming specs)
MIN_LIMIT_DB = -24.0  # the lowest ceiling ffmpeg's alimiter takes
MUSIC_GAIN_DB = -8.0  # music sits under the voice even before ducking
FADE_IN, FADE_OUT = 2.0, 3.0
OVERSCAN = 1.5  # keyframes scaled past the output before zoompan: steadier sub-pixel moves
SUBTITLE_STYLE = "FontName=DejaVu Sans,FontSize=18,Outline=1.5,Shadow=0,MarginV=22"
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p"]


def mix_audio(
    narration: Path,
    music: Path | None,
    out: Path,
    *,
    total_seconds: float,
    delay_seconds: float = 0.0,
) -> dict[str, float]:
    """Narration (+ ducked music) as a loudness-normalised 48 kHz stereo WAV; returns loudness."""
    delay = round(delay_seconds * 1000)
    voice = (
        f"[0:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"adelay={delay}:all=1,apad=whole_dur={total_seconds:.3f},atrim=0:{total_seconds:.3f}"
    )
    if music is None:
        graph = f"{voice}[a]"
        inputs = ["-i", str(narration)]
    else:
        fade_at = max(0.0, total_seconds - FADE_OUT)
        graph = (
            f"{voice},asplit=2[key][speech];"
            f"[1:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"volume={MUSIC_GAIN_DB}dB,afade=t=in:d={FADE_IN},"
            f"afade=t=out:st={fade_at:.3f}:d={FADE_OUT},"
            f"apad=whole_dur={total_seconds:.3f},atrim=0:{total_seconds:.3f}[music];"
            # the voice is the sidechain: music dips about 10 dB while someone speaks
            "[music][key]sidechaincompress=threshold=0.02:ratio=6:attack=40:release=700[ducked];"
            "[speech][ducked]amix=inputs=2:duration=first:normalize=0[a]"
        )
        inputs = ["-i", str(narration), "-i", str(music)]
    mixed = out.with_name(out.stem + ".mix.wav")
    run_ffmpeg(
        [*inputs, "-filter_complex", graph, "-map", "[a]", "-c:a", "pcm_f32le", str(mixed)],
        what="audio mix",
    )
    stats = loudnorm_stats(mixed, TARGET_LUFS, TRUE_PEAK)
    measured = ":".join(
        f"measured_{key}={stats[src]}"
        for key, src in (("I", "input_i"), ("TP", "input_tp"), ("LRA", "input_lra"))
    )
    norm = (
        f"loudnorm=I={TARGET_LUFS}:TP={TRUE_PEAK}:LRA=11:{measured}:"
        f"measured_thresh={stats['input_thresh']}:offset={stats['target_offset']}:linear=true,"
        # loudnorm falls back to dynamic mode when the gain would break the ceiling, and its
        # first seconds can overshoot: a limiter at 4x the rate (close to true peak) catches it
        f"aresample=192000,alimiter=limit={10 ** (LIMIT_DB / 20):.4f}:attack=2:release=60"
        ":level=false,aresample=48000"
    )
    run_ffmpeg(["-i", str(mixed), "-af", norm, "-c:a", "pcm_s16le", str(out)], what="loudness")
    mixed.unlink(missing_ok=True)
    return {"inputLufs": stats["input_i"], "inputTruePeak": stats["input_tp"]}


def title_card(
    title: str, size: tuple[int, int], out: Path, background: Path | None = None
) -> Path:
    """A still with the title centred over a darkened, blurred background (or plain dark)."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

    width, height = size
    if background is not None:
        with Image.open(background) as source:
            card = ImageOps.fit(source.convert("RGB"), size, Image.Resampling.BICUBIC)
        card = card.filter(ImageFilter.GaussianBlur(radius=max(2, width // 80)))
        card = Image.blend(card, Image.new("RGB", size, (0, 0, 0)), 0.55)
    else:
        card = Image.new("RGB", size, (14, 16, 22))
    draw = ImageDraw.Draw(card)
    font_size = max(12, height // 12)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", font_size)
    except OSError:  # no DejaVu on this machine: Pillow's own scalable font
        font = ImageFont.load_default(font_size)
    lines = _wrap(title, draw, font, int(width * 0.85))
    spacing = font_size // 4
    box = draw.multiline_textbbox((0, 0), "\n".join(lines), font=font, spacing=spacing)
    x = (width - (box[2] - box[0])) / 2
    y = (height - (box[3] - box[1])) / 2
    draw.multiline_text(
        (x, y), "\n".join(lines), font=font, fill=(245, 245, 240), spacing=spacing, align="center"
    )
    card.save(out, format="PNG")
    return out


def _wrap(text: str, draw, font, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def _ease(frames: int) -> str:
    """Smoothstep of the clip's progress, as an ffmpeg expression over zoompan's `on`."""
    p = f"min(on/{max(1, frames - 1)},1)"
    return f"(3-2*{p})*{p}*{p}"


def _motion_filter(motion: Motion, frames: int, size: tuple[int, int], fps: int) -> str:
    # yuv420p once per scene, before any move: the moves, xfade, libass and x264 then all
    # work in the encoder's format, with no per-frame colour conversion
    width, height = size
    (z0, z1), (x0, x1), (y0, y1) = motion.zoom, motion.x, motion.y
    if z0 == z1:
        # a pan: scale once, repeat that frame, slide a crop window over it (no per-frame
        # scaling: measured ~40% less CPU than zoompan for the same move)
        big_w, big_h = (2 * round(side * z0 / 2) for side in size)
        ease = _ease(frames).replace("on", "n")
        return (
            f"scale={big_w}:{big_h}:force_original_aspect_ratio=increase:flags=bicubic,"
            f"crop={big_w}:{big_h},format=yuv420p,setsar=1,"
            f"loop=loop={frames - 1}:size=1:start=0,settb=1/{fps},setpts=N,fps={fps},"
            f"crop={width}:{height}:x='(iw-ow)*({x0}+({x1 - x0})*{ease})'"
            f":y='(ih-oh)*({y0}+({y1 - y0})*{ease})'"
        )
    big_w, big_h = (2 * round(side * OVERSCAN / 2) for side in size)  # even, for yuv420p
    ease = _ease(frames)
    return (
        f"scale={big_w}:{big_h}:force_original_aspect_ratio=increase"
        f":flags=bicubic,crop={big_w}:{big_h},format=yuv420p,setsar=1,"
        f"zoompan=z='{z0}+({z1 - z0})*{ease}'"
        f":x='(iw-iw/zoom)*({x0}+({x1 - x0})*{ease})'"
        f":y='(ih-ih/zoom)*({y0}+({y1 - y0})*{ease})'"
        f":d={frames}:s={width}x{height}:fps={fps},setsar=1"
    )


def video_graph(timeline: Timeline, size: tuple[int, int], subtitles: str | None) -> str:
    """The filter graph: one zoompan per scene image input, xfade joins, optional subtitles."""
    fps, overlap = timeline.fps, timeline.transition_frames
    parts = []
    for i, scene in enumerate(timeline.scenes):
        frames = scene.end_frame - scene.start_frame
        if scene.transition is not None:
            frames += overlap  # the outgoing scene keeps moving under the transition
        parts.append(f"[{i}:v]{_motion_filter(scene.motion, frames, size, fps)}[s{i}]")
    current = "s0"
    for i, scene in enumerate(timeline.scenes[:-1]):
        offset = timeline.scenes[i + 1].start_frame / fps
        parts.append(
            f"[{current}][s{i + 1}]xfade=transition={scene.transition}"
            f":duration={overlap / fps:.4f}:offset={offset:.4f}[x{i}]"
        )
        current = f"x{i}"
    tail = f"subtitles=filename={subtitles}:force_style='{SUBTITLE_STYLE}'," if subtitles else ""
    parts.append(f"[{current}]{tail}format=yuv420p[v]")
    return ";".join(parts)


def render_video(
    timeline: Timeline,
    images: Sequence[Path],
    audio: Path,
    out: Path,
    *,
    size: tuple[int, int] = (1920, 1080),
    subtitles: Path | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Path:
    """Encode the timeline to MP4; images[i] is scene i's picture; on_progress gets 0..1."""
    if len(images) != len(timeline.scenes):
        raise PipelineError("Every scene needs exactly one picture.")
    if size[0] % 2 or size[1] % 2:
        raise PipelineError(f"Video size must be even, got {size[0]}x{size[1]}.")
    work = Path(out).parent
    # the subtitles filter gets a bare file name (run in its folder): no path escaping needed
    srt_name = None
    if subtitles is not None:
        srt_name = "burn.srt"
        (work / srt_name).write_bytes(Path(subtitles).read_bytes())
    inputs = [arg for image in images for arg in ("-i", str(Path(image).resolve()))]
    graph = video_graph(timeline, size, srt_name)
    total = timeline.duration
    args = [
        *inputs,
        "-i",
        str(Path(audio).resolve()),
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        f"{len(images)}:a",
        *X264,
        "-r",
        str(timeline.fps),
        "-frames:v",
        str(timeline.total_frames),
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-t",
        f"{total:.3f}",
        "-movflags",
        "+faststart",
        str(Path(out).resolve()),
    ]
    progress = (lambda seconds: on_progress(min(1.0, seconds / total))) if on_progress else None
    run_ffmpeg(args, cwd=work, what="video render", on_seconds=progress)
    if srt_name:
        (work / srt_name).unlink(missing_ok=True)
    _keep_true_peak(Path(out), Path(audio), total)
    return Path(out)


def _keep_true_peak(video: Path, audio: Path, total: float) -> None:
    """AAC can push transients back over the ceiling the WAV respected (by up to ~2 dB with
    drums): measure the encoded file and, when it is over, encode its audio again through a
    limiter that much lower (peaks only, so the loudness stays), the picture copied as it is."""
    limit_db = LIMIT_DB
    for _ in range(3):
        peak = loudnorm_stats(video, TARGET_LUFS, TRUE_PEAK)["input_tp"]
        if peak <= CEILING_DBTP:
            return
        limit_db = max(MIN_LIMIT_DB, limit_db - max(0.5, peak - TRUE_PEAK))
        log.info("encoded true peak %.2f dBTP: audio again, limited at %.2f dBFS", peak, limit_db)
        limiter = (
            f"aresample=192000,alimiter=limit={10 ** (limit_db / 20):.4f}:attack=1:release=50"
            ":level=false,aresample=48000"
        )
        quieter = video.with_name(video.stem + ".quieter.mp4")
        run_ffmpeg(
            [
                *("-i", str(video), "-i", str(audio), "-map", "0:v", "-map", "1:a"),
                *("-c:v", "copy", "-af", limiter, "-c:a", "aac", "-b:a", "160k"),
                *("-t", f"{total:.3f}", "-movflags", "+faststart", str(quieter)),
            ],
            what="audio level",
        )
        quieter.replace(video)
