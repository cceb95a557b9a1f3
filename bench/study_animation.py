"""Bench the study animation: a 60 s 1080p lesson per style on this machine.

Prints, per style, the render time as a ratio to real time (target <= 3.0 on 2 CPU cores, i.e.
a 60 s lesson in <= 180 s), the CPU seconds it used (on a shared machine the wall time says
more about the neighbours; CPU / 2 cores is what two free cores would take at best) and the
seconds each stage took (storyboard, voice, music, animation + encode, which run as one pass).

    .venv/bin/python bench/study_animation.py [--styles whiteboard explainer] [--seconds 60]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 3.0
SCRIPT = (
    "Plants convert sunlight into energy through photosynthesis. Chlorophyll in leaves absorbs "
    "light, mostly red and blue.\n\nInside the chloroplast, water, carbon dioxide and sunlight "
    "become glucose and oxygen. The overall equation is 6CO2 + 6H2O → C6H12O6 + 6O2.\n\n"
    "In 1779, Jan Ingenhousz showed that light is essential. About 90% of the oxygen we breathe "
    "comes from this process."
)


class Context:
    def __init__(self, work: Path) -> None:
        from pipelines.declare import NO_SERVICES

        self.work_dir, self.models_dir = work, work
        self.model_preset, self.device, self.services = "tiny", "cpu", NO_SERVICES

    def progress(self, percent: float, stage: str, preview: object = None) -> None:
        logging.getLogger("bench").debug("%5.1f%% %s", percent, stage)


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (ffmpeg)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    from pipelines.features.study_animation import FEATURE, render_lesson
    from pipelines.lesson.catalog import styles
    from pipelines.media.ffmpeg import probe

    parser = argparse.ArgumentParser()
    parser.add_argument("--styles", nargs="*", default=list(styles()))
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for style in args.styles:
        with tempfile.TemporaryDirectory() as folder:
            inputs = FEATURE.validate(
                {
                    "topic": "Photosynthesis",
                    "script": SCRIPT,
                    "subject": "science",
                    "animationStyle": style,
                    "duration": args.seconds,
                }
            )
            started, cpu_before = time.perf_counter(), _cpu_seconds()
            result = render_lesson(inputs, Context(Path(folder)))
            took = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu_before
            info = probe(result.outputs[0].path)
        m = result.metrics
        stages = ", ".join(
            f"{k[:-7]} {m[k]:.1f} s"
            for k in m
            if k.endswith("Seconds") and k not in ("videoSeconds", "narrationSeconds")
        )
        verdict = "ok" if took / args.seconds <= TARGET else "OVER"
        sys.stdout.write(
            f"{style:16s} {info.width}x{info.height} {info.duration:.2f} s video in {took:.1f} s: "
            f"{took / args.seconds:.2f}x real time (target <= {TARGET}) {verdict}; "
            f"CPU {cpu:.0f} s (python + ffmpeg), so >= {cpu / 2 / args.seconds:.2f}x on 2 free "
            f"cores (load average now {os.getloadavg()[0]:.1f}); "
            f"{m['framesDrawn']} frames at {m['animationFps']} fps; {stages}\n"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
