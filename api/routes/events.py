"""Live job events as Server-Sent Events: one job's, or all of the user's jobs'.

Each stream reads the job rows every STUDIO_EVENTS_POLL_SECONDS (the row is the truth, and any
web process can serve any stream) and sends a comment every STUDIO_EVENTS_HEARTBEAT_SECONDS so
proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentUser
from api.job_events import Event, JobFollower, parse_event_id
from api.schemas import errors
from studio.models import ACTIVE_STATES, Job, User
from studio.settings import get_settings
from worker.jobs import get_job

router = APIRouter(tags=["events"])

LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        description="The id of the last event received: the stream resumes after it",
    ),
]
STREAM = {
    200: {
        "description": "An event stream (text/event-stream): `status`, `progress`, `preview`, "
        "then one of `completed`, `failed`, `cancelled` carrying the job; data is JSON",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def _send(event: Event, event_id: str | None = None) -> ServerSentEvent:
    return ServerSentEvent(
        data=json.dumps(event.data, separators=(",", ":")),
        event=event.event,
        id=event_id or event.id,
    )


def _response(stream: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    settings = get_settings()
    return EventSourceResponse(
        stream,
        ping=settings.events_heartbeat_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/jobs/{job_id}/events",
    response_class=EventSourceResponse,
    responses={**STREAM, **errors(401, 403, 404)},
)
async def job_events(job_id: str, user: CurrentUser, last_event_id: LastEventId = None):
    """Follow one job live until it ends (Server-Sent Events; resume with Last-Event-ID)."""
    job = await run_in_threadpool(get_job, user, job_id)  # 404 before the stream starts
    follower = JobFollower(last=parse_event_id(last_event_id))
    poll = get_settings().events_poll_seconds

    async def stream() -> AsyncIterator[ServerSentEvent]:
        current = job
        while True:
            for event in await run_in_threadpool(follower.events, current):
                yield _send(event)
            if current.status not in ACTIVE_STATES:
                return
            await asyncio.sleep(poll)
            current = await run_in_threadpool(Job.get_by_id, job.id)

    return _response(stream())


@router.get("/events", response_class=EventSourceResponse, responses={**STREAM, **errors(401, 403)})
async def all_events(user: CurrentUser, last_event_id: LastEventId = None):
    """Follow all of your jobs live: running ones, new ones and the ones that end (Server-Sent
    Events; ids are the server's clock in milliseconds, resume with Last-Event-ID)."""
    given = last_event_id or ""
    since = _from_ms(int(given)) if given.isdigit() and len(given) <= 15 else _now()
    poll = get_settings().events_poll_seconds

    async def stream() -> AsyncIterator[ServerSentEvent]:
        followers: dict[str, JobFollower] = {}
        watch_from = since
        while True:
            now = _now()
            jobs = await run_in_threadpool(_jobs_to_follow, user, watch_from)
            stamp = str(int(now.replace(tzinfo=UTC).timestamp() * 1000))
            for job in jobs:
                follower = followers.setdefault(job.id, JobFollower())
                # A follower stays after its job ended, so the end is never sent twice.
                for event in await run_in_threadpool(follower.events, job):
                    yield _send(event, stamp)
            watch_from = now
            await asyncio.sleep(poll)

    return _response(stream())


def _jobs_to_follow(user: User, since: datetime) -> list[Job]:
    """The user's active jobs and those created or ended since `since`."""
    changed = (Job.created_at >= since) | (Job.finished_at >= since)
    query = Job.select().where((Job.user == user.id) & (Job.status.in_(ACTIVE_STATES) | changed))
    return list(query.order_by(Job.created_at))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _from_ms(ms: int) -> datetime:
    seconds = min(ms / 1000, time.time())
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
