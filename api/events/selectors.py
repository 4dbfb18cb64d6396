"""Reads of recorded events (the streams' replay after ``Last-Event-ID``)."""

from __future__ import annotations

from uuid import UUID

from api.events.models import Event

#: the most events one replay sends (a client far behind gets the newest state after)
REPLAY_LIMIT = 1000


def events_after(*, subject_id: UUID, after: int, limit: int = REPLAY_LIMIT) -> list[Event]:
    """The events about ``subject_id`` with an id above ``after``, oldest first (at most
    ``limit``, the newest ones)."""
    events = Event.objects.filter(subject_id=subject_id, id__gt=after).order_by("-id")[:limit]
    return list(reversed(events))


def events_since(*, after: int, limit: int = 500) -> list[Event]:
    """Every event with an id above ``after``, oldest first (at most ``limit``)."""
    return list(Event.objects.filter(id__gt=after).order_by("id")[:limit])


def event_latest_id() -> int:
    """The id of the newest event (0: none)."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
