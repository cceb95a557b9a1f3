"""A lesson script and storyboard from a topic, asked of an OpenAI-compatible chat server.

Plain HTTP (httpx) to POST {url}/chat/completions with response_format json_object; the answer
is validated (shape, sentence count, length for the duration) and asked for once more with the
problem named; a second bad answer is a PipelineError the user can act on.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pipelines.declare import TextModel
from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 120.0
WORDS_PER_SECOND = 2.3  # a calm teaching pace; the narration check has the last word
SYSTEM = (
    "You write short narrated lessons for animated explainer videos. Answer with one JSON "
    "object only, no prose, in this shape: "
    '{"title": str, "sections": [{"title": str, "sentences": [{"text": str, '
    '"keyTerms": [str]}]}], "recap": [str]}. '
    "Sentences are plain spoken English, at most 22 words each, no markdown, no lists. "
    "keyTerms: one or two words from that sentence to show on screen. recap: three key terms."
)


class LessonAnswerError(ValueError):
    """The text model's answer is not a usable lesson."""


def ask_lesson(
    model: TextModel, topic: str, subject: str, duration: int, *, script: str = ""
) -> dict[str, Any]:
    """A validated lesson dict (see SYSTEM) for the topic sized to `duration` seconds."""
    import httpx

    words = int(duration * 0.7 * WORDS_PER_SECOND)  # cards and pauses take the rest
    sections = {30: 2, 60: 3, 120: 4}.get(duration, 5)
    prompt = (
        f"Topic: {topic}\nSubject: {subject}\n"
        f"Write a lesson of about {words} words in total (never more than {int(words * 1.15)}), "
        f"in {sections} sections of 2 to 4 sentences."
    )
    if script:
        prompt += f"\nUse this script as the narration, sentence by sentence:\n{script}"
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
    limit = int(max(words, len(script.split())) * 1.3)
    headers = {"Authorization": f"Bearer {model.key}"} if model.key else {}
    problem = ""
    for attempt in (1, 2):
        if problem:
            messages += [
                {
                    "role": "user",
                    "content": f"That answer was unusable: {problem}. "
                    "Answer again with the JSON object only.",
                }
            ]
        try:
            response = httpx.post(
                f"{model.url.rstrip('/')}/chat/completions",
                json={
                    "model": model.model,
                    "messages": messages,
                    "response_format": {"type": "json_object"},
                    "temperature": 0.4,
                },
                headers=headers,
                timeout=TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
            messages.append({"role": "assistant", "content": str(content)})
            return validate_lesson(content, max_words=limit)
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            problem = str(exc) or type(exc).__name__
            log.warning("text model answer %d unusable: %s", attempt, problem)
    raise PipelineError(
        f"The text model ({model.model}) did not return a usable lesson twice "
        f"({problem}). Try again, or write the script yourself."
    )


def validate_lesson(content: Any, *, max_words: int) -> dict[str, Any]:
    """The lesson dict from the model's message content, or LessonAnswerError saying why not."""
    data = json.loads(content) if isinstance(content, str) else content
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise LessonAnswerError("no 'sections' list")
    sections = []
    for section in data["sections"]:
        if not isinstance(section, dict) or not isinstance(section.get("sentences"), list):
            raise LessonAnswerError("a section without a 'sentences' list")
        sentences = []
        for sentence in section["sentences"]:
            text = sentence.get("text") if isinstance(sentence, dict) else sentence
            if not isinstance(text, str) or not text.strip():
                raise LessonAnswerError("a sentence without text")
            terms = sentence.get("keyTerms", []) if isinstance(sentence, dict) else []
            terms = [t.strip() for t in terms if isinstance(t, str) and t.strip()][:2]
            text = " ".join(text.split())
            if text[-1] not in ".!?":
                text += "."
            sentences.append({"text": text, "keyTerms": terms})
        if sentences:
            title = section.get("title")
            sections.append(
                {"title": title.strip() if isinstance(title, str) else "", "sentences": sentences}
            )
    count = sum(len(s["sentences"]) for s in sections)
    if count < 2:
        raise LessonAnswerError("fewer than two sentences")
    total = sum(len(x["text"].split()) for s in sections for x in s["sentences"])
    if total > max_words:
        raise LessonAnswerError(f"{total} words, more than the {max_words} that fit")
    recap = [r.strip() for r in data.get("recap", []) if isinstance(r, str) and r.strip()][:3]
    return {"title": str(data.get("title") or ""), "sections": sections, "recap": recap}
