"""Webhook tables: a user's endpoints, a job's own webhookUrl, and every delivery."""

from __future__ import annotations

from typing import Any

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from studio.models import BaseModel, JSONText, User, new_id, utcnow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookEndpoint(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=new_id)
    user_id: int
    user = ForeignKeyField(User, backref="webhooks", on_delete="CASCADE")
    url = CharField(max_length=2048)
    events: Any = JSONText(default=list)  # e.g. ["job.completed", "job.failed"]
    secret = CharField(max_length=80)  # whsec_…: signs every delivery to this endpoint
    created_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True)

    class Meta:
        table_name = "webhook_endpoints"


class JobWebhook(BaseModel):
    """The `webhookUrl` a job was submitted with (told when that job ends)."""

    job_id = CharField(primary_key=True, max_length=32)
    user_id: int
    user = ForeignKeyField(User, on_delete="CASCADE")
    url = CharField(max_length=2048)

    class Meta:
        table_name = "job_webhooks"


class WebhookDelivery(BaseModel):
    """One event for one target, with its attempts; retried until delivered or given up."""

    id = CharField(primary_key=True, max_length=32, default=new_id)
    user_id: int
    user = ForeignKeyField(User, on_delete="CASCADE")
    endpoint_id: str | None
    endpoint = ForeignKeyField(WebhookEndpoint, null=True, on_delete="CASCADE")
    url = CharField(max_length=2048)
    event = CharField(max_length=50)
    job_id = CharField(null=True, max_length=32, index=True)
    payload: Any = JSONText()
    status = CharField(max_length=20, default=PENDING)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True, index=True)
    last_status_code = IntegerField(null=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    delivered_at = DateTimeField(null=True)

    class Meta:
        table_name = "webhook_deliveries"


WEBHOOK_MODELS = [WebhookEndpoint, JobWebhook, WebhookDelivery]
