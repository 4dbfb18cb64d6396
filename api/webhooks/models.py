"""Outgoing webhooks: subscriptions (an endpoint URL, the event types it wants, its
signing secret) and their deliveries (the outbox and its log)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    OWN = "own", "Events of the subscriber's own videos and live events"
    ALL = "all", "Every event (staff only)"


class WebhookSubscription(models.Model):
    """An endpoint of ``user``'s that receives the ``events`` it names, signed with
    ``secret`` (Standard Webhooks, ``whsec_…``; shown once, at creation and rotation).
    After a rotation the previous secret also signs until ``previous_secret_expires_at``.
    ``consecutive_failures`` counts failed attempts since the last success; at
    ``WEBHOOK_DISABLE_AFTER_FAILURES`` the subscription is disabled (``active`` off,
    ``disabled_reason`` says why) until its owner turns it on again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.OWN)
    description = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=128)
    previous_secret = models.CharField(max_length=128, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.url} ({self.user_id})"

    def __repr__(self) -> str:  # never the secret
        return f"<WebhookSubscription {self.id} {self.url}>"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending (waiting for its next attempt)"
    SUCCEEDED = "succeeded", "Succeeded (the endpoint answered 2xx)"
    FAILED = "failed", "Failed (attempts or age exhausted)"


class WebhookDelivery(models.Model):
    """One event for one subscription: the message (``webhook-id`` ``msg_<id>``, the
    same at every attempt, and its JSON ``body``), its state and the log of its
    attempts (``history``: ``[{at, status_code, latency_ms, error}]``).

    A pending delivery is due at ``next_attempt_at``; a sender claims it by moving that
    time a lease ahead, so two senders never send it at once. It is given up (``failed``)
    after ``attempt_limit`` attempts or past ``expires_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.BigIntegerField(db_index=True)
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    attempt_limit = models.PositiveIntegerField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    history = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "id")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"

    @property
    def message_id(self) -> str:
        """The Standard Webhooks ``webhook-id`` (the receiver's idempotency key)."""
        return f"msg_{self.id.hex}"
