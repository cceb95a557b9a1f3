"""Subjects (which diagram a lesson draws) and animation styles, as data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Subject:
    """A `subject` value and the diagram kind its lessons build."""

    name: str
    label: str
    diagram: str  # process | cycle | parts | equation | timeline | quotes | flow
    icon: str


@dataclass(frozen=True)
class Style:
    """An `animationStyle` value: how scenes are drawn, at what frame rate, in which colours."""

    name: str
    label: str
    renderer: str  # 3d | whiteboard | flat | kinetic
    fps: int
    background: str
    ink: str
    muted: str
    accents: tuple[str, ...]
    font: str
    card: str


@cache
def subjects() -> dict[str, Subject]:
    """Every subject by name, in file order."""
    entries = json.loads((DATA / "subjects.json").read_text(encoding="utf-8"))
    return {e["name"]: Subject(**e) for e in entries}


@cache
def styles() -> dict[str, Style]:
    """Every animation style by name, in file order."""
    entries = json.loads((DATA / "styles.json").read_text(encoding="utf-8"))
    return {e["name"]: Style(**{**e, "accents": tuple(e["accents"])}) for e in entries}
