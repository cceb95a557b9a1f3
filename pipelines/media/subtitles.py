"""SubRip (.srt) subtitles from narration segments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pipelines.media.tts import Segment

_TIME = re.compile(r"(\d+):(\d\d):(\d\d),(\d{3}) --> (\d+):(\d\d):(\d\d),(\d{3})")


def srt_time(seconds: float) -> str:
    """Seconds as HH:MM:SS,mmm."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def to_srt(segments: Iterable[Segment]) -> str:
    """One cue per spoken sentence, timed as it is spoken."""
    cues = [
        f"{i}\n{srt_time(s.start)} --> {srt_time(s.end)}\n{s.text}\n"
        for i, s in enumerate(segments, start=1)
    ]
    return "\n".join(cues)


def write_srt(segments: Iterable[Segment], path: Path) -> Path:
    """Write segments to an .srt file (UTF-8)."""
    Path(path).write_text(to_srt(segments), encoding="utf-8")
    return Path(path)


def parse_srt(text: str) -> list[Segment]:
    """Read cues back (tests and players that need times)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        match = _TIME.search(lines[1]) if len(lines) > 1 else None
        if not match:
            continue
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups())
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        cues.append(Segment(" ".join(lines[2:]), start, end))
    return cues
