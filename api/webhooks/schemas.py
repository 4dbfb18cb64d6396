"""Webhook subscription and delivery schemas. The signing secret appears only in
:class:`WebhookCreatedOut` and :class:`WebhookSecretOut` (creation, rotation)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from api.core.fields import MAX_ITEMS, line
from api.webhooks.models import DeliveryStatus, Scope

EventName = line(64, min_length=1)


class WebhookIn(Schema):
    url: line(2048, min_length=1) = Field(description="http(s) endpoint, on a public address")
    events: list[EventName] = Field(
        min_length=1, max_length=MAX_ITEMS, description="event types (docs/events.md)"
    )
    scope: Scope = Field(Scope.OWN, description="own: your videos and live events; all: staff")
    description: line(200) = ""
    active: bool = True


class WebhookPatch(Schema):
    url: line(2048, min_length=1) | None = None
    events: list[EventName] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    scope: Scope | None = None
    description: line(200) | None = None
    active: bool | None = Field(None, description="true re-enables a disabled subscription")


class WebhookOut(Schema):
    id: UUID
    url: str
    events: list[str]
    scope: Scope
    description: str
    active: bool
    owner: str = Field(alias="user.username")
    consecutive_failures: int = Field(description="failed attempts since the last success")
    disabled_reason: str = Field(description="why it was disabled automatically")
    disabled_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="until then the previous secret signs too (after a rotation)"
    )
    created_at: datetime
    updated_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="whsec_…: the signing secret, shown this once")


class WebhookSecretOut(Schema):
    secret: str = Field(description="the new signing secret, shown this once")
    previous_secret_expires_at: datetime | None


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    latency_ms: int
    error: str
    response: str = Field("", description="the start of the answer's body")


class DeliveryOut(Schema):
    id: UUID
    webhook_id: str = Field(alias="message_id", description="the webhook-id header")
    event_id: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    attempt_limit: int
    response_status: int | None = Field(description="HTTP status of the last attempt")
    latency_ms: int | None = Field(description="of the last attempt, milliseconds")
    error: str = Field(description="why the last attempt failed")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    expires_at: datetime = Field(description="no automatic attempt after this")
    created_at: datetime
    history: list[AttemptOut]


class DeliveryDetailOut(DeliveryOut):
    body: str = Field(description="the JSON body sent")


class DeliveryFilters(Schema):
    status: Literal["pending", "succeeded", "failed"] | None = None
