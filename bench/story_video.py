"""Bench the story video: a ~180 s 1080p story with pre-made keyframes.

Prints render time vs real time (target <= 1.0x on 2 cores), vs a plain ffmpeg encode of
the same length (target <= 1.5x), the TTS real-time factor, and each voice style's measured
speaking rate (the words_per_second that pipelines/media/data/voices.json stores).

    .venv/bin/python bench/story_video.py [--rates] [--seconds 180]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "The old lighthouse keeper climbed the narrow stairs every evening before the sun went down.",
    "He watched the fishing boats return from the grey sea, counting them one by one.",
    "Nobody in the village could remember the year he first arrived on the island.",
    "But every child knew that his lantern would be burning, whatever the weather.",
    "One winter night, a storm rolled in faster than anyone had ever seen.",
    "The waves climbed the rocks and the wind tore the shutters from the houses.",
    "Out on the water, a small boat was struggling to find the harbour.",
    "The keeper lit the great lamp and turned the mirrors toward the darkness.",
]


def script_for(seconds: float, words_per_second: float) -> str:
    """Enough sentences for about `seconds` of narration."""
    words_needed = seconds * words_per_second
    sentences, words = [], 0
    while True:
        sentence = SENTENCES[len(sentences) % len(SENTENCES)]
        if words + len(sentence.split()) > words_needed:
            break
        sentences.append(sentence)
        words += len(sentence.split())
    return " ".join(sentences)


def keyframes(folder: Path, count: int = 4) -> list[Path]:
    """Detailed pictures so the encoder has real work (ffmpeg's mandelbrot, shifted hues)."""
    from pipelines.media.ffmpeg import run_ffmpeg

    paths = []
    for i in range(count):
        path = folder / f"premade_{i}.png"
        run_ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                f"mandelbrot=s=1344x768:start_scale={3 - i * 0.5}",
                "-vf",
                f"hue=h={i * 70}",
                "-frames:v",
                "1",
                str(path),
            ]
        )
        paths.append(path)
    return paths


class Context:
    def __init__(self, work: Path):
        self.work_dir, self.models_dir, self.model_preset, self.device = work, work, "tiny", "cpu"

    def progress(self, percent: float, stage: str, preview: object = None) -> None:
        pass


def child_cpu() -> float:
    """CPU seconds used by finished child processes (ffmpeg): steadier than wall time on a
    shared machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def plain_encode(
    pictures: list[Path], audio: Path, seconds: float, out: Path, *, slideshow: bool
) -> tuple[float, float]:
    """A reference encode of the same length, 1080p, the same encoder settings and audio.

    slideshow=False: `ffmpeg -loop 1` of one picture (every frame decoded, scaled, encoded:
    the plain encode). slideshow=True: the same pictures as hard-cut stills, no motion, no
    transitions, no subtitles (x264 skips unchanged frames: the floor for this material).
    """
    from pipelines.media.ffmpeg import run_ffmpeg
    from pipelines.media.render import X264

    if slideshow:
        each = seconds / len(pictures)
        listing = out.with_suffix(".txt")
        lines = [f"file '{p}'\nduration {each:.4f}" for p in pictures]
        listing.write_text("\n".join([*lines, f"file '{pictures[-1]}'"]) + "\n")
        source = ["-f", "concat", "-safe", "0", "-i", str(listing)]
    else:
        source = ["-loop", "1", "-framerate", "24", "-i", str(pictures[0])]
    started, cpu = time.perf_counter(), child_cpu()
    run_ffmpeg(
        [
            *source,
            "-i",
            str(audio),
            "-vf",
            "fps=24,scale=1920:1080,format=yuv420p",
            *X264,
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-t",
            f"{seconds:.3f}",
            "-movflags",
            "+faststart",
            str(out),
        ]
    )
    return time.perf_counter() - started, child_cpu() - cpu


def rates() -> None:
    """Measure words per second of every voice style on the bench text."""
    from pipelines.media import tts

    text = " ".join(SENTENCES)
    words = len(text.split())
    with tempfile.TemporaryDirectory() as tmp:
        for name in tts.voice_styles():
            started = time.perf_counter()
            narration = tts.narrate(text, name, Path(tmp))
            seconds = time.perf_counter() - started
            sys.stdout.write(
                f"{name}: {words / narration.duration:.3f} words/s "
                f"({narration.duration:.1f} s audio, RTF {seconds / narration.duration:.3f})\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=177.0)
    parser.add_argument("--voice", default="male-warm")
    parser.add_argument("--rates", action="store_true", help="measure every voice style's rate")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.rates:
        rates()
        return
    from pipelines.features.story_video import FEATURE, render_story
    from pipelines.media import tts
    from pipelines.media.ffmpeg import probe

    rate = tts.voice_styles()[args.voice].words_per_second
    inputs = FEATURE.validate(
        {
            "script": script_for(args.seconds, rate),
            "voiceStyle": args.voice,
            "backgroundMusic": "epic",
            "title": "The Lighthouse Keeper",
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        premade = keyframes(work)
        started, cpu = time.perf_counter(), child_cpu()
        result = render_story(inputs, Context(work), keyframes=premade)
        job_cpu = child_cpu() - cpu
        total = time.perf_counter() - started
        m = result.metrics
        info = probe(work / "story.mp4")
        audio = work / "bench_audio.wav"
        from pipelines.media.ffmpeg import run_ffmpeg

        run_ffmpeg(["-i", str(work / "story.mp4"), "-vn", "-c:a", "pcm_s16le", str(audio)])
        pictures = [o.path for o in result.outputs if o.name.startswith("keyframe_")]
        seconds = m["videoSeconds"]
        plain, plain_cpu = plain_encode(
            pictures, audio, seconds, work / "plain.mp4", slideshow=False
        )
        still, still_cpu = plain_encode(
            pictures, audio, seconds, work / "slides.mp4", slideshow=True
        )
        out = sys.stdout.write
        out(f"video: {info.width}x{info.height} {info.fps} fps, {info.duration:.2f} s\n")
        out(f"scenes {m['scenes']}, sentences {m['sentences']}, voice {m['voice']}\n")
        out(f"TTS: {m['ttsSeconds']:.1f} s, real-time factor {m['ttsRealTimeFactor']:.3f}\n")
        out(f"music + mix: {m['musicSeconds']:.1f} s\n")
        out(f"render: {m['renderSeconds']:.1f} s\n")
        out(f"plain ffmpeg encode (-loop 1 still), same length: {plain:.1f} s\n")
        out(f"static slideshow of the same pictures, same length: {still:.1f} s\n")
        out(f"render / real time: {m['renderSeconds'] / m['videoSeconds']:.2f}x (target <= 1.0)\n")
        out(f"render / plain encode: {m['renderSeconds'] / plain:.2f}x (target <= 1.5)\n")
        out(f"render / static slideshow: {m['renderSeconds'] / still:.2f}x\n")
        out(f"whole job / real time: {total / m['videoSeconds']:.2f}x\n")
        out(
            f"ffmpeg CPU seconds: whole job {job_cpu:.1f}, plain encode {plain_cpu:.1f}, "
            f"slideshow {still_cpu:.1f}\n"
        )


if __name__ == "__main__":
    main()
