"""Turning a job row, read again and again, into a stream of events with ordered ids.

Events come from the database row alone (status, progress, stage, preview), so any web
process can serve any job's stream. A job event's id is `attempt.rank.progress.kind`
(rank 0 pending, 1 processing, 2 ended; progress in tenths of a percent; kind 0 status,
1 progress, 2 preview, 3 final): ids only grow while a job runs, so a client that comes back
with Last-Event-ID gets exactly the events after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.models import FINAL_STATES, PENDING, PROCESSING, Job
from worker.views import job_view

STATUS, PROGRESS, PREVIEW, FINAL = range(4)
EventId = tuple[int, int, int, int]


@dataclass
class Event:
    event: str
    id: str
    data: dict[str, Any]


def parse_event_id(value: str | None) -> EventId | None:
    """A job event id sent back as Last-Event-ID; None when it is not one of ours."""
    parts = (value or "").split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
        return None
    a, b, c, d = (int(p) for p in parts)
    return a, b, c, d


@dataclass
class JobFollower:
    """What one client has been sent about one job; `events(job)` gives what is new."""

    last: EventId | None = None
    sent: dict[int, Any] = field(default_factory=dict)  # kind → what it last carried

    def events(self, job: Job) -> list[Event]:
        rank = 0 if job.status == PENDING else 1 if job.status == PROCESSING else 2
        base = (job.attempts, rank, round(job.progress * 10))
        found: list[Event] = []

        def add(kind: int, name: str, content: Any, data: dict[str, Any]) -> None:
            event_id: EventId = (*base, kind)
            if (self.last is not None and event_id <= self.last) or self.sent.get(kind) == content:
                return
            self.sent[kind] = content
            self.last = event_id
            found.append(Event(name, ".".join(map(str, event_id)), {"jobId": job.id, **data}))

        add(STATUS, "status", job.status, {"status": job.status, "stage": job.stage})
        if job.status == PROCESSING:
            progress = {"progress": round(job.progress, 1), "stage": job.stage}
            add(PROGRESS, "progress", (base, job.stage), progress)
            if job.preview:
                view = job_view(job)
                add(PREVIEW, "preview", base, {"url": view["preview"]})
        if job.status in FINAL_STATES:
            add(FINAL, job.status, job.status, {"job": job_view(job)})
        return found

    @property
    def ended(self) -> bool:
        return FINAL in self.sent
