"""The progress line a user watches: one percentage, the stage, elapsed time, an ETA."""

from __future__ import annotations

from datetime import timedelta

from studio.models import COMPLETED, PENDING, PROCESSING, Job, utcnow
from tests.factories import new_user
from ui.progress import card_progress_html, duration_text, progress_html


def _job(user, **fields) -> Job:
    return Job.create(
        user=user.id, feature="image_generation", params={}, credits_charged=2, **fields
    )


def test_a_running_job_shows_its_share_stage_elapsed_and_a_straight_line_eta(studio):
    now = utcnow()
    job = _job(
        new_user(),
        status=PROCESSING,
        progress=25.0,
        stage="Step 4/16",
        created_at=now - timedelta(seconds=12),
        started_at=now - timedelta(seconds=10),
    )
    line = progress_html(job, now)
    # 10 s for 25 %: 30 s to go
    assert "<b>25%</b> · Step 4/16 · 12 s elapsed · about 30 s left" in line
    assert line.count("%") == 2  # the bar's width and the one percentage shown


def test_a_queued_job_shows_its_place_and_the_usual_time(studio):
    user = new_user()
    now = utcnow()
    for seconds in (20.0, 40.0):  # the feature's history: 30 s on average
        _job(user, status=COMPLETED, processing_time=seconds, finished_at=now)
    _job(user, status=PENDING, created_at=now - timedelta(seconds=5))
    mine = _job(user, status=PENDING, created_at=now - timedelta(seconds=2))
    line = progress_html(mine, now)
    assert "#2 in the queue" in line and "2 s elapsed" in line
    assert "about 1 min 00 s left" in line  # one job ahead, then its own: 30 s + 30 s


def test_history_cards_move_in_steps_so_they_are_not_redrawn_at_every_step(studio):
    user = new_user()
    first = _job(user, status=PROCESSING, progress=41.0, stage="Step 7/16")
    second = _job(user, status=PROCESSING, progress=49.0, stage="Step 8/16")
    assert card_progress_html(first) == card_progress_html(second)
    assert "40%" in card_progress_html(first) and "Running" in card_progress_html(first)


def test_durations_read_as_people_say_them():
    assert [duration_text(s) for s in (4.4, 75, 3725)] == ["4 s", "1 min 15 s", "1 h 02 min"]
