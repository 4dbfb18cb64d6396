from __future__ import annotations

from django.db import models


class CallbackReceipt(models.Model):
    """One accepted callback, by its ``webhook-id`` (Standard Webhooks idempotency key):
    a repeated delivery gets the stored answer and has no second effect. ``subject_id``
    is the id the event is about (an encoding job, a live event): no foreign key, so a
    receipt outlives its subject and the app depends on none of them."""

    webhook_id = models.CharField(max_length=255, primary_key=True)
    event_type = models.CharField(max_length=64)
    subject_id = models.UUIDField(null=True, blank=True, db_index=True)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.webhook_id} ({self.event_type})"
