"""Scheduler choices (A1111 calls them samplers), read from pipelines/sdxl/data/schedulers.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SCHEDULERS_FILE = Path(__file__).parent / "data" / "schedulers.json"


@dataclass(frozen=True)
class Sampler:
    name: str
    label: str
    cls: str | None  # None: keep the model's own scheduler
    options: dict[str, Any] = field(default_factory=dict)
    a1111: str | None = None


@cache
def load_samplers() -> dict[str, Sampler]:
    """All scheduler choices by name, in file order."""
    entries = json.loads(SCHEDULERS_FILE.read_text(encoding="utf-8"))
    return {
        e["name"]: Sampler(e["name"], e["label"], e["class"], e["options"], e["a1111"])
        for e in entries
    }


def scheduler_for(name: str, default: Any) -> Any:
    """A scheduler instance for `name`, configured from the model's default scheduler."""
    import diffusers

    sampler = load_samplers()[name]
    if sampler.cls is None:
        return default
    return getattr(diffusers, sampler.cls).from_config(default.config, **sampler.options)
