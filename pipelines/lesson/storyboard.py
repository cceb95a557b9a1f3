"""A lesson's storyboard: sections of sentences, each with what it shows on screen.

A sentence here is exactly one narration segment (pipelines.media.tts.split_sentences), so a
step's on-screen moment is the moment its sentence is spoken. Without a text model the key
terms, numbers, years, equations and lists are found by plain rules; a text model's storyboard
(pipelines.lesson.text_model) replaces the key terms and section titles.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipelines.media.tts import split_sentences

# sections a lesson is cut into, by its length in seconds
MAX_SECTIONS = {30: 2, 60: 3, 120: 4, 180: 5}
LABEL_CHARS = 22  # longest diagram label; longer terms are cut at a word
STOPWORDS_FILE = Path(__file__).resolve().parent / "data" / "stopwords.txt"
STOPWORDS = frozenset(
    word
    for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_YEAR = re.compile(r"\b(\d{3,4})\s*(BCE|BC|CE|AD)?\b")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![A-Za-z\d])\s*%?")
_TERM = r"[A-Za-z0-9()²³]+(?:\s*[-+*/^×÷·]\s*[A-Za-z0-9()²³]+)*"
_EQUATION = re.compile(rf"{_TERM}\s*(?:=|→|->|≈|<|>)\s*{_TERM}")


@dataclass
class Step:
    """One spoken sentence and what appears while it is spoken."""

    text: str
    key_terms: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    equations: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """What this step adds to the diagram: a key term, a year, an equation or a number."""
        if self.equations:
            return _cut(self.equations[0], 28)
        if self.key_terms:
            return _cut(self.key_terms[0], LABEL_CHARS)
        if self.numbers:
            return self.numbers[0]
        words = [w for w in _WORD.findall(self.text) if w.lower() not in STOPWORDS]
        return _cut(" ".join(words[:2]) or self.text, LABEL_CHARS)


@dataclass
class Section:
    title: str
    steps: list[Step]


@dataclass
class Storyboard:
    topic: str
    subject: str
    sections: list[Section]
    recap: list[str]

    @property
    def steps(self) -> list[Step]:
        return [step for section in self.sections for step in section.steps]

    @property
    def script(self) -> str:
        """The narration text: one paragraph per section."""
        return "\n\n".join(" ".join(s.text for s in sec.steps) for sec in self.sections)

    @property
    def recap_sentence(self) -> str:
        """The sentence spoken over the recap card."""
        return "To recap: " + _join(self.recap) + "." if self.recap else f"That was {self.topic}."

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recapSentence"] = self.recap_sentence
        return data


def from_script(
    topic: str,
    script: str,
    subject: str,
    duration: int,
    *,
    titles: list[str] | None = None,
    key_terms: dict[str, list[str]] | None = None,
) -> Storyboard:
    """The storyboard of a written script; titles and key_terms (by sentence) may come from a
    text model, otherwise both are found by rule."""
    sentences = split_sentences(script)
    frequency = _frequencies(script, topic)
    used: set[str] = set()
    steps = []
    for text, _ in sentences:
        given = (key_terms or {}).get(_norm(text))
        terms = [t for t in given if t.strip()] if given else _key_terms(text, frequency, used)
        used.update(t.lower() for t in terms)
        steps.append(
            Step(
                text=text,
                key_terms=terms[:2],
                numbers=_numbers(text),
                years=[" ".join(filter(None, m)) for m in _YEAR.findall(text) if _is_year(m)],
                equations=[e.strip() for e in _EQUATION.findall(text)][:1],
                items=_items(text),
            )
        )
    groups = _group(sentences, MAX_SECTIONS.get(duration, 3))
    sections, start = [], 0
    for index, size in enumerate(groups):
        chunk = steps[start : start + size]
        start += size
        title = titles[index] if titles and index < len(titles) and titles[index] else ""
        sections.append(Section(title or _section_title(chunk, topic, index), chunk))
    ranked = [t for t, _ in Counter(t for s in steps for t in s.key_terms[:1]).most_common()]
    return Storyboard(topic=topic, subject=subject, sections=sections, recap=ranked[:3])


def _group(sentences: list[tuple[str, bool]], most: int) -> list[int]:
    """Section sizes: the script's paragraphs, or even runs of about three sentences."""
    paragraphs, size = [], 0
    for _, ends in sentences:
        size += 1
        if ends:
            paragraphs.append(size)
            size = 0
    if size:
        paragraphs.append(size)
    if len(paragraphs) == 1:
        count = max(1, min(most, round(len(sentences) / 3)))
        base, extra = divmod(len(sentences), count)
        return [base + (1 if i < extra else 0) for i in range(count)]
    while len(paragraphs) > most:  # merge the two shortest neighbours
        i = min(range(len(paragraphs) - 1), key=lambda k: paragraphs[k] + paragraphs[k + 1])
        paragraphs[i : i + 2] = [paragraphs[i] + paragraphs[i + 1]]
    return paragraphs


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _frequencies(script: str, topic: str) -> Counter[str]:
    counts = Counter(w.lower() for w in _WORD.findall(script) if w.lower() not in STOPWORDS)
    for word in _WORD.findall(topic):
        counts[word.lower()] += 3
    return counts


def _key_terms(sentence: str, frequency: Counter[str], used: set[str]) -> list[str]:
    """Up to two terms: names (capitalised mid-sentence), long words, words the lesson repeats;
    terms already called out earlier rank lower, so each sentence teaches something new."""
    words = _WORD.findall(sentence)
    frequency_top = {w for w, n in frequency.items() if n >= 3}
    scored = []
    for index, word in enumerate(words):
        low = word.lower()
        if low in STOPWORDS or len(low) < 4:
            continue
        score = frequency[low] + (len(low) >= 9) + (index > 0 and word[0].isupper()) * 2
        score -= low.endswith(("ed", "ing", "ly", "es", "bs")) and low not in frequency_top
        score += len(low) / 100  # ties: the longer word
        if low in used:
            score -= 6
        scored.append((score, -index, word))
    scored.sort(reverse=True)
    terms: list[str] = []
    for _, _, word in scored:
        if word.lower() not in (t.lower() for t in terms):
            terms.append(word)
        if len(terms) == 2:
            break
    return terms


def _is_year(match: tuple[str, str]) -> bool:
    number, era = match
    return bool(era) or (len(number) == 4 and 1000 <= int(number) <= 2100)


def _numbers(text: str) -> list[str]:
    years = {m[0] for m in _YEAR.findall(text) if _is_year(m)}
    found = [n.strip() for n in _NUMBER.findall(text)]
    return [n for n in found if n not in years][:3]


def _items(sentence: str) -> list[str]:
    """A list written as `a, b and c` (or `a, b, or c`), as its short items."""
    body = sentence.rstrip(".!?")
    if ":" in body:
        body = body.split(":", 1)[1]
    parts = [p.strip() for p in body.split(",") if p.strip()]
    if len(parts) < 2:
        return []
    last = re.split(r"\b(?:and|or)\b", parts[-1], maxsplit=1)
    if len(last) == 2 and last[0].strip():
        parts[-1:] = [last[0].strip(), last[1].strip()]
    elif len(last) == 2:
        parts[-1] = last[1].strip()
    else:
        return []
    if any(len(p.split()) > 3 for p in parts[1:-1]):
        return []  # commas between clauses, not a list
    first = parts[0].split()
    while len(first) > 1 and (len(first) > 2 or first[0].lower() in STOPWORDS):
        first = first[1:]  # "Inside the leaf" → "leaf": the noun ending the lead-in
    last: list[str] = []
    for word in parts[-1].split()[:2]:
        if word.lower() in STOPWORDS:
            break  # "sunlight become glucose" → "sunlight"
        last.append(word)
    items = [" ".join(first), *parts[1:-1], " ".join(last)]
    items = [i for i in items if i and i.lower() not in STOPWORDS]
    return items[:5] if len(items) >= 3 else []


def _section_title(steps: list[Step], topic: str, index: int) -> str:
    for step in steps:
        if step.key_terms and step.key_terms[0].lower() != topic.lower():
            return _cut(step.key_terms[0][:1].upper() + step.key_terms[0][1:], 30)
    return f"{topic}: part {index + 1}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0]
    return head + "…"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def from_lesson(topic: str, subject: str, duration: int, lesson: dict[str, Any]) -> Storyboard:
    """The storyboard of a text model's lesson (pipelines.lesson.text_model.validate_lesson)."""
    script = "\n\n".join(
        " ".join(s["text"] for s in section["sentences"]) for section in lesson["sections"]
    )
    terms = {
        _norm(s["text"]): s["keyTerms"] for sec in lesson["sections"] for s in sec["sentences"]
    }
    board = from_script(
        topic,
        script,
        subject,
        duration,
        titles=[section["title"] for section in lesson["sections"]],
        key_terms=terms,
    )
    if len(board.sections) != len(lesson["sections"]):
        # a paragraph per model section; more sections than the duration allows were merged
        for section in board.sections:
            section.title = _section_title(section.steps, topic, 0)
    if lesson.get("recap"):
        board.recap = list(lesson["recap"])
    return board
