"""Prompt styles, read from pipelines/sdxl/data/styles.json (a new style is a new entry)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STYLES_FILE = Path(__file__).parent / "data" / "styles.json"


@dataclass(frozen=True)
class Style:
    name: str
    label: str
    prompt: str
    negative_prompt: str

    def apply(self, prompt: str, negative_prompt: str = "") -> tuple[str, str]:
        """Put the user's prompt into the template and merge the negatives."""
        negatives = [n for n in (negative_prompt.strip(), self.negative_prompt) if n]
        return self.prompt.replace("{prompt}", prompt.strip()), ", ".join(negatives)


@cache
def load_styles() -> dict[str, Style]:
    """All styles by name, in file order."""
    entries = json.loads(STYLES_FILE.read_text(encoding="utf-8"))
    return {e["name"]: Style(**e) for e in entries}
