"""The domain events of the video workflow and live events, as published after commit
(``api.events.services.publish``): the one source the outgoing webhooks
(``api.webhooks``) and the real-time streams (``api.streams``) read."""

from __future__ import annotations

from django.db import models


class Event(models.Model):
    """One domain event. ``id`` increases with publication order (the SSE ``id``:
    ``Last-Event-ID`` resumes after it); ``subject_id`` is the video (``video.*``,
    ``upload.*``) or live event (``live.*``) it is about, with no foreign key, so an event
    outlives its subject (``video.deleted``); ``owner_ids``: the users whose own webhook
    subscriptions receive it (owner and additional owners); ``data``: the event's
    ``data`` object as delivered. Kept ``EVENTS_RETENTION_SECONDS``."""

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=64)
    subject_id = models.UUIDField(db_index=True)
    owner_ids = models.JSONField(default=list)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.id} {self.type} {self.subject_id}"

    def envelope(self) -> dict:
        """The delivered body: ``{type, timestamp (ISO 8601, UTC), data}`` (Standard
        Webhooks' recommended payload structure)."""
        return {
            "type": self.type,
            "timestamp": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }
