"""Personas: one prompt, look and seed for a whole set (data/personas.json, appearance.json)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class PersonaStyle:
    """A style of persona: the wardrobes and settings it picks from, and the SDXL style."""

    name: str
    label: str
    sdxl_style: str
    mood: str
    wardrobe: tuple[str, ...]
    setting: tuple[str, ...]


@dataclass(frozen=True)
class Persona:
    """Everything that stays put across the set: who, hair, eyes, clothes, place, seed."""

    gender: str
    ethnicity: str
    age_range: str
    style: str
    seed: int
    person: str
    hair: str
    eyes: str
    wardrobe: str
    setting: str
    look: str

    @property
    def appearance(self) -> str:
        """The appearance description every pose shares."""
        parts = [self.person, self.hair, self.eyes, f"wearing {self.wardrobe}", self.setting]
        return ", ".join(p for p in parts + [self.look] if p)

    def prompt(self, pose_words: str) -> str:
        """The prompt for one pose: the same person, clothes and place, in that pose."""
        template = load_templates()["prompt"]
        mood = load_styles()[self.style].mood
        return (
            template.replace("{person}", self.person)
            .replace("{hair}", self.hair)
            .replace("{eyes}", self.eyes)
            .replace("{wardrobe}", self.wardrobe)
            .replace("{setting}", self.setting)
            .replace("{pose}", pose_words)
            .replace("{look}", f"{self.look}, " if self.look else "")
            .replace("{mood}", mood)
        )

    def card(self) -> dict[str, Any]:
        """The persona's attributes as persona.json writes them."""
        return {
            "gender": self.gender,
            "ethnicity": self.ethnicity,
            "ageRange": self.age_range,
            "style": self.style,
            "seed": self.seed,
            "hair": self.hair,
            "eyes": self.eyes,
            "wardrobe": self.wardrobe,
            "setting": self.setting,
            "look": self.look,
            "appearance": self.appearance,
        }


@cache
def load_templates() -> dict[str, Any]:
    return json.loads((DATA / "personas.json").read_text(encoding="utf-8"))


@cache
def load_appearance() -> dict[str, Any]:
    return json.loads((DATA / "appearance.json").read_text(encoding="utf-8"))


@cache
def load_styles() -> dict[str, PersonaStyle]:
    """Persona styles by name, in file order."""
    styles = {}
    for entry in load_templates()["styles"]:
        entry = dict(entry, wardrobe=tuple(entry["wardrobe"]), setting=tuple(entry["setting"]))
        styles[entry["name"]] = PersonaStyle(**entry)
    return styles


def choices(group: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(values, labels) of one appearance group: genders, ethnicities or age_ranges."""
    entries = load_appearance()[group]
    return tuple(entries), tuple(e["label"] for e in entries.values())


def _pick(options: tuple[str, ...] | list[str], seed: int, salt: str) -> str:
    """A stable choice from options for this seed (independent per attribute)."""
    digest = hashlib.sha256(f"{seed}|{salt}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def build_persona(
    gender: str, ethnicity: str, age_range: str, style: str, seed: int, look: str = ""
) -> Persona:
    """The persona for these attributes: the seed picks hair, eyes, wardrobe and setting."""
    vocab = load_appearance()
    spec = load_styles()[style]
    adjective = vocab["ethnicities"][ethnicity]["adjective"]
    noun = vocab["genders"][gender]["noun"]
    if adjective:  # "a woman" → "an Asian woman"
        article, rest = noun.split(" ", 1)
        article = "an" if adjective[0].lower() in "aeiou" else "a"
        noun = f"{article} {adjective} {rest}"
    person = f"{noun} {vocab['age_ranges'][age_range]['words']}"
    return Persona(
        gender=gender,
        ethnicity=ethnicity,
        age_range=age_range,
        style=style,
        seed=seed,
        person=person,
        hair=_pick(vocab["hair"][gender], seed, "hair"),
        eyes=_pick(vocab["eyes"], seed, "eyes"),
        wardrobe=_pick(spec.wardrobe, seed, "wardrobe"),
        setting=_pick(spec.setting, seed, "setting"),
        look=look.strip(),
    )
