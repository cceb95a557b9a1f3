"""A job's progress as the UI shows it: one percentage, the stage, elapsed time and an ETA."""

from __future__ import annotations

import html
from datetime import datetime

from studio.models import CANCELLED, COMPLETED, FAILED, PENDING, PROCESSING, Job, utcnow
from worker.eta import queue_estimate

# The ETA is a straight line through the job's own progress; before a few percent it is noise.
ETA_FROM_PERCENT = 3.0


def duration_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _since(start: datetime | None, now: datetime) -> float:
    return 0.0 if start is None else (now - start).total_seconds()


def eta_seconds(job: Job, now: datetime | None = None) -> float | None:
    """Seconds left, extrapolated from the job's progress since it started; None when unknown."""
    if job.status != PROCESSING or job.started_at is None or job.progress < ETA_FROM_PERCENT:
        return None
    elapsed = _since(job.started_at, now or utcnow())
    return elapsed * (100.0 - job.progress) / job.progress


def progress_html(job: Job, now: datetime | None = None) -> str:
    """The bar and line above the result while a job is queued or running."""
    now = now or utcnow()
    percent = 0.0 if job.status == PENDING else job.progress
    parts = [f"<b>{percent:.0f}%</b>", html.escape(job.stage or "Queued")]
    # The ETA comes from the job's own progress once it has some; only before that (queued, or
    # just started) from the queue and recent jobs' times, which costs a few queries.
    eta = eta_seconds(job, now)
    position = None
    if eta is None and job.status in (PENDING, PROCESSING):
        position, eta = queue_estimate(job)
    if job.status == PENDING and position:
        parts.append(f"#{position} in the queue")
    parts.append(f"{duration_text(_since(job.created_at, now))} elapsed")
    if eta is not None:
        parts.append(f"about {duration_text(eta)} left")
    return (
        f'<div class="job-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{percent:.0f}"><div class="bar"><span style="width:{percent:.1f}%">'
        f'</span></div><div class="line">{" · ".join(parts)}</div></div>'
    )


def outcome_html(job: Job) -> str:
    """One line for a job that ended: what happened and what it cost."""
    if job.status == COMPLETED:
        text = f"Done in {job.processing_time or 0:.1f} s · {job.credits_charged} credits."
        notice = (job.metrics or {}).get("notice")
        if notice:  # e.g. poses dropped from a set
            text += f" {notice}"
        return f'<div class="job-done">{html.escape(text)}</div>'
    if job.status == FAILED:
        error = job.error or "unknown error"
        return message_html(f"Failed: {error} Your {job.credits_charged} credits were refunded.")
    if job.status == CANCELLED:
        return message_html("Cancelled; your credits were refunded.", kind="info")
    return progress_html(job)


# A card shows progress in steps of this many percent: the History tab redraws its cards only
# when something on them changes, and a redraw restarts any video playing there.
CARD_STEP = 10


def card_progress_html(job: Job) -> str:
    """The short bar on a History card: percentage in CARD_STEP steps, queued or running."""
    percent = 0 if job.status == PENDING else int(job.progress // CARD_STEP * CARD_STEP)
    # not the stage ("Step 3/16" changes at every step): the tab's own line has it
    stage = "Queued" if job.status == PENDING else "Running"
    return (
        f'<div class="job-progress" role="progressbar" aria-valuenow="{percent}"><div class="bar">'
        f'<span style="width:{percent}%"></span></div><div class="line"><b>{percent}%</b> · '
        f"{html.escape(stage)}</div></div>"
    )


def message_html(text: str, kind: str = "error") -> str:
    """A message in the result area (errors stay there until the next run)."""
    return f'<div class="job-message {kind}" role="alert">{html.escape(text)}</div>'
