"""Transitions of a live event that the runner and the Kubernetes backend make too
(they sit below ``api.live.services``, which starts them)."""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone

from api.events.payloads import publish_live
from api.live.models import FINAL, LiveEvent, LiveState


def live_event_fail(*, event_id: UUID, code: str, message: str) -> None:
    """Mark an unfinished event ``failed`` (the worker died or could not start)."""
    failed = (
        LiveEvent.objects.filter(pk=event_id)
        .exclude(state__in=FINAL)
        .update(
            state=LiveState.FAILED,
            on_air=False,
            error_code=code[:64],
            error_message=message,
            ended_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )
    if failed:
        publish_live("live.failed", LiveEvent.objects.get(pk=event_id))
