"""The storyboard and the beat plan: what a lesson will show, and when, before anything renders."""

from __future__ import annotations

import pytest

from pipelines.errors import PipelineError
from pipelines.lesson import schedule
from pipelines.lesson.catalog import styles, subjects
from pipelines.lesson.storyboard import from_lesson, from_script
from pipelines.lesson.text_model import LessonAnswerError, validate_lesson
from pipelines.media.tts import Segment, split_sentences

SCRIPT = (
    "Plants convert sunlight into energy through photosynthesis. Chlorophyll in leaves absorbs "
    "light.\n\nInside the leaf, water, carbon dioxide and sunlight become glucose. The overall "
    "equation is 6CO2 + 6H2O → C6H12O6 + 6O2.\n\nIn 1779, Jan Ingenhousz showed that light is "
    "essential. About 90% of the oxygen we breathe comes from plants."
)


def test_every_sentence_is_a_step_with_what_it_shows():
    board = from_script("Photosynthesis", SCRIPT, "science", 60)
    assert [s.text for s in board.steps] == [t for t, _ in split_sentences(SCRIPT)]
    assert [len(s.steps) for s in board.sections] == [2, 2, 2]  # the paragraphs
    first, _, third, equation, dated, share = board.steps
    assert "photosynthesis" in [t.lower() for t in first.key_terms]
    assert third.items == ["leaf", "water", "carbon dioxide", "sunlight"]
    assert first.items == []  # no list in it
    assert equation.equations == ["6CO2 + 6H2O → C6H12O6 + 6O2"]
    assert equation.label == "6CO2 + 6H2O → C6H12O6 + 6O2"
    assert dated.years == ["1779"] and "Ingenhousz" in dated.key_terms
    assert share.numbers == ["90%"]
    assert board.recap and board.recap_sentence.startswith("To recap: ")


def test_one_paragraph_is_cut_into_sections_by_duration():
    text = " ".join(f"Fact number {word} is about gravity." for word in "abcdefghijkl")
    assert len(from_script("Gravity", text, "science", 30).sections) == 2
    assert len(from_script("Gravity", text, "science", 120).sections) == 4


def test_subjects_and_styles_are_data_with_the_seed_values():
    assert {"science", "math", "history", "literature", "technology"} <= set(subjects())
    assert subjects()["history"].diagram == "timeline"
    assert subjects()["math"].diagram == "equation"
    assert list(styles()) == ["3d-cgi", "whiteboard", "explainer", "motion-graphics"]


def _segments(board, seconds: float) -> list[Segment]:
    texts = [s.text for s in board.steps] + [board.recap_sentence]
    return [Segment(t, i * 10.0, i * 10.0 + seconds) for i, t in enumerate(texts)]


def test_beats_fill_the_duration_exactly_and_speech_never_overlaps():
    board = from_script("Photosynthesis", SCRIPT, "science", 60)
    beats = schedule.plan(board, _segments(board, 2.5), 60)
    assert beats[0].kind == "title" and beats[-1].kind == "outro"
    assert [b.kind for b in beats].count("chapter") == 3
    assert beats[-1].end == pytest.approx(60.0)
    for before, after in zip(beats, beats[1:], strict=False):
        assert after.start == pytest.approx(before.end)
    spoken = [b.speech for b in beats if b.speech]
    assert len(spoken) == len(board.steps) + 1
    assert all(b - a == pytest.approx(2.5) for a, b in spoken)
    # the spare time became pauses after sentences, not one frozen tail
    steps = [b for b in beats if b.kind == "step"]
    assert all(b.end - b.speech[1] > 1.5 for b in steps)


def test_narration_too_long_for_the_duration_is_a_clear_error():
    board = from_script("Photosynthesis", SCRIPT, "science", 30)
    with pytest.raises(PipelineError, match="shorten the script by about"):
        schedule.plan(board, _segments(board, 4.0), 30)


def test_a_model_lesson_keeps_its_titles_and_key_terms():
    lesson = validate_lesson(
        '{"title": "Tides", "sections": [{"title": "The Moon", "sentences": ['
        '{"text": "The Moon pulls on the oceans", "keyTerms": ["gravity"]},'
        '{"text": "Water bulges toward it.", "keyTerms": ["bulge"]}]}], "recap": ["gravity"]}',
        max_words=100,
    )
    board = from_lesson("Tides", "science", 30, lesson)
    assert board.sections[0].title == "The Moon"
    assert board.steps[0].text == "The Moon pulls on the oceans."
    assert [s.key_terms for s in board.steps] == [["gravity"], ["bulge"]]
    assert board.recap == ["gravity"]


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("not json", "Expecting value"),
        ('{"sections": 3}', "sections"),
        ('{"sections": [{"sentences": [{"text": "Only one."}]}]}', "fewer than two"),
        ('{"sections": [{"sentences": ["' + "word " * 60 + '", "Two."]}]}', "more than"),
    ],
)
def test_unusable_model_answers_say_why(answer, problem):
    with pytest.raises((LessonAnswerError, ValueError), match=problem):
        validate_lesson(answer, max_words=50)
