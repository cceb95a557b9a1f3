"""Webhook endpoints: register, list, delete, their delivery log, and a test event."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentUser
from api.schemas import (
    DeliveryList,
    DeliveryView,
    SigningSecret,
    WebhookList,
    WebhookView,
    errors,
)
from studio.webhook_models import WebhookEndpoint
from worker.views import iso
from worker.webhooks import (
    EVENTS,
    create_endpoint,
    delete_endpoint,
    deliveries,
    delivery_view,
    job_webhook_secret,
    list_endpoints,
    send_test_event,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class EndpointRequest(BaseModel):
    url: str = Field(max_length=2048, examples=["https://example.com/hooks/studio"])
    events: list[str] = Field(
        default_factory=lambda: list(EVENTS),
        max_length=len(EVENTS),
        description=f"Any of {', '.join(EVENTS)} (default: all)",
        examples=[["job.completed", "job.failed"]],
    )


def _view(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "secret": endpoint.secret,
        "createdAt": iso(endpoint.created_at),
    }


@router.post("", status_code=201, response_model=WebhookView, responses=errors(401, 403, 422))
def create(body: EndpointRequest, user: CurrentUser) -> dict:
    """Register a URL told when your jobs end; deliveries are signed with `secret`.

    Private and loopback addresses are refused (422) unless the studio allows them.
    """
    return _view(create_endpoint(user, body.url, body.events))


@router.get("", response_model=WebhookList, responses=errors(401, 403))
def webhooks(user: CurrentUser) -> dict:
    """Your webhook endpoints."""
    return {"webhooks": [_view(e) for e in list_endpoints(user)]}


@router.get("/signing-secret", response_model=SigningSecret, responses=errors(401, 403))
def signing_secret(user: CurrentUser) -> dict:
    """The secret that signs deliveries to the `webhookUrl` you pass with a job."""
    return {"secret": job_webhook_secret(user.id)}


@router.delete("/{endpoint_id}", response_model=WebhookView, responses=errors(401, 403, 404))
def delete(endpoint_id: str, user: CurrentUser) -> dict:
    """Stop sending to an endpoint (pending deliveries are dropped)."""
    return _view(delete_endpoint(user, endpoint_id))


@router.get(
    "/{endpoint_id}/deliveries", response_model=DeliveryList, responses=errors(401, 403, 404)
)
def delivery_log(endpoint_id: str, user: CurrentUser, limit: int = Query(50, ge=1, le=200)) -> dict:
    """The endpoint's deliveries, newest first: event, attempts, last HTTP status, outcome."""
    return {"deliveries": [delivery_view(d) for d in deliveries(user, endpoint_id, limit)]}


@router.post("/{endpoint_id}/test", response_model=DeliveryView, responses=errors(401, 403, 404))
async def test_event(endpoint_id: str, user: CurrentUser) -> dict:
    """Send a signed `webhook.test` event now (once) and report how the endpoint answered."""
    return delivery_view(await run_in_threadpool(send_test_event, user, endpoint_id))
