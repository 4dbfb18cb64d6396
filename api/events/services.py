"""Publishing domain events: :func:`publish`, called by the workflow (through the
one-line publishers of ``api.events.payloads``), after its transaction commits.

Once committed, one transaction records the :class:`~api.events.models.Event` (the
outbox), hands it to each registered consumer (``api.webhooks`` writes its deliveries:
:func:`register_consumer`) and, on PostgreSQL, sends ``NOTIFY podv5_events`` with the
event (delivered to every API process's stream hub, ``api.streams.hub``, when that
transaction commits). Nothing of this can undo or fail the workflow's own step: an error
is logged, the step stays done (``transaction.on_commit(..., robust=True)``). The price:
a process that dies between the workflow's commit and the event's loses that event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from api.events.models import Event
from api.events.types import EVENT_TYPES

logger = logging.getLogger(__name__)

#: the PostgreSQL NOTIFY channel every API process's stream hub listens on
CHANNEL = "podv5_events"

_consumers: list[Callable[[Event], None]] = []
_local_listeners: list[Callable[[Event], None]] = []


def register_consumer(consumer: Callable[[Event], None]) -> None:
    """``consumer(event)`` runs in the transaction that records each event (its writes
    commit, or roll back, with it). Registered once, in an ``AppConfig.ready``."""
    if consumer not in _consumers:
        _consumers.append(consumer)


def register_listener(listener: Callable[[Event], None]) -> None:
    """``listener(event)`` runs after the event is recorded, in this process only (e.g.
    to wake the webhook sender thread at once); must be quick and never raise."""
    if listener not in _local_listeners:
        _local_listeners.append(listener)


def publish(event_type: str, *, subject_id: UUID, owner_ids: Iterable[int], data: dict) -> None:
    """Publish ``event_type`` (one of ``api.events.types.EVENT_TYPES``) about
    ``subject_id`` once the current transaction commits (at once outside one);
    ``data`` is taken now, as it is (the state this step committed)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    owners = [int(pk) for pk in owner_ids]
    transaction.on_commit(
        lambda: event_record(
            event_type=event_type, subject_id=subject_id, owner_ids=owners, data=data
        ),
        robust=True,
    )


@transaction.atomic
def event_record(*, event_type: str, subject_id: UUID, owner_ids: list[int], data: dict) -> Event:
    """Record the event, run the consumers and notify the streams, in one transaction;
    then run this process's listeners."""
    event = Event.objects.create(
        type=event_type, subject_id=subject_id, owner_ids=owner_ids, data=data
    )
    for consumer in _consumers:
        consumer(event)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, notify_payload(event)])
    transaction.on_commit(lambda: _tell_listeners(event))
    return event


def notify_payload(event: Event) -> str:
    """The NOTIFY payload: ``{id, type, subject_id, timestamp, data}`` as JSON."""
    return json.dumps({"id": event.id, "subject_id": str(event.subject_id), **event.envelope()})


def _tell_listeners(event: Event) -> None:
    for listener in _local_listeners:
        try:
            listener(event)
        except Exception:
            logger.exception("event listener %r failed", listener)


def events_prune(*, now=None) -> int:
    """Delete events older than ``EVENTS_RETENTION_SECONDS``; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.EVENTS_RETENTION_SECONDS)
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
