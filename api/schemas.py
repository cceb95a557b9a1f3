"""Response models for the OpenAPI document: what each route answers, errors included."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from worker.views import JobView  # one declaration for REST and gradio_client


class ErrorDetail(BaseModel):
    code: str = Field(examples=["invalid_input"])
    message: str = Field(examples=["must be at most 1536"])
    field: str | None = Field(None, examples=["width"])


class ErrorBody(BaseModel):
    """Every refusal: 4xx and 5xx answers carry this body."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting the error body for these statuses."""
    described = {
        400: "Bad request",
        401: "No valid token or API key",
        402: "Not enough credits",
        403: "Not allowed (wrong password, or an API key without the scope)",
        404: "Not found (or not yours)",
        409: "Conflict with the resource's state",
        413: "Body too large",
        415: "Unsupported content type",
        422: "Invalid input: `field` names it",
        429: "Rate limited: see Retry-After",
        501: "Not available on this studio",
        503: "Not configured on this studio",
    }
    return {s: {"model": ErrorBody, "description": described.get(s, "Error")} for s in statuses}


class ApiKeyView(BaseModel):
    id: str
    name: str = Field(examples=["nightly renders"])
    prefix: str = Field(examples=["sk_studio_AbC123"])
    scopes: list[str] = Field(examples=[["jobs:read", "jobs:write"]])
    createdAt: str | None
    lastUsedAt: str | None
    revokedAt: str | None


class NewApiKey(ApiKeyView):
    key: str = Field(description="The secret: shown this once, never again")


class ApiKeyList(BaseModel):
    keys: list[ApiKeyView]


class OpenModel(BaseModel):
    """A JSON object whose documented fields are present; more may be added later."""

    model_config = ConfigDict(extra="allow")


class WebhookView(BaseModel):
    id: str
    url: str = Field(examples=["https://example.com/hooks/studio"])
    events: list[str] = Field(examples=[["job.completed", "job.failed"]])
    secret: str = Field(description="Signs this endpoint's deliveries (Studio-Signature)")
    createdAt: str | None


class WebhookList(BaseModel):
    webhooks: list[WebhookView]


class DeliveryView(BaseModel):
    id: str
    endpointId: str | None
    url: str
    event: str = Field(examples=["job.completed"])
    jobId: str | None
    status: str = Field(description="pending, delivered or failed", examples=["delivered"])
    attempts: int
    lastStatusCode: int | None
    lastError: str | None
    createdAt: str | None
    deliveredAt: str | None
    nextAttemptAt: str | None


class DeliveryList(BaseModel):
    deliveries: list[DeliveryView]


class SigningSecret(BaseModel):
    secret: str = Field(description="Signs deliveries to the webhookUrl given with a job")


class VerificationSent(BaseModel):
    sent: bool = Field(description="Whether the email went out (false without STUDIO_SMTP_URL)")


class JobAccepted(BaseModel):
    id: str
    status: str = Field(examples=["pending"])
    feature: str = Field(examples=["image_generation"])
    creditsCharged: int = Field(examples=[2])


class JobPage(BaseModel):
    jobs: list[JobView]
    total: int
    limit: int
    offset: int


class UserView(BaseModel):
    id: int
    email: str = Field(examples=["me@example.com"])
    credits: int = Field(examples=[50])
    createdAt: str | None


class Session(BaseModel):
    token: str = Field(description="A login token (prefer API keys for programs)")
    user: UserView


class LoggedOut(BaseModel):
    loggedOut: bool


class PasswordChanged(BaseModel):
    changed: bool
    otherSessionsEnded: int


class Credits(BaseModel):
    credits: int = Field(examples=[48])


class Transaction(BaseModel):
    id: int
    amount: int = Field(examples=[-2])
    reason: str = Field(examples=["Image generation job"])
    jobId: str | None
    createdAt: str | None


class Transactions(BaseModel):
    transactions: list[Transaction]


class PackageView(BaseModel):
    id: str = Field(examples=["pro"])
    name: str = Field(examples=["Pro"])
    credits: int = Field(examples=[500])
    priceCents: int = Field(examples=[7900])
    currency: str = Field(examples=["usd"])
    price: str = Field(examples=["$79.00"])


class Packages(BaseModel):
    packages: list[PackageView]
    configured: bool


class PaymentView(BaseModel):
    id: str
    package: str
    packageName: str
    credits: int
    amount: int
    currency: str
    price: str
    status: str = Field(examples=["pending"])
    invoiceUrl: str | None
    createdAt: str | None
    paidAt: str | None


class Checkout(PaymentView):
    paymentId: str
    checkoutUrl: str | None = Field(description="Send the buyer here (Stripe Checkout)")


class PaymentStatus(PaymentView):
    balance: int


class Payments(BaseModel):
    payments: list[PaymentView]


class WebhookReceived(BaseModel):
    received: bool
    outcome: str


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    database: str
    queue: dict[str, Any]
    modelPreset: str


class FeatureView(BaseModel):
    id: str
    title: str
    slug: str
    description: str
    costRule: str
    outputKind: str
    available: bool
    schema_: dict[str, Any] = Field(alias="schema")


class Features(BaseModel):
    features: list[FeatureView]
