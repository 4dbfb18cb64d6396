"""The events of every API process, fanned out to the streams open in this one.

One hub per process (per event loop): one source for all its streams, started with the
first stream and stopped after the last one:

- PostgreSQL: one connection (psycopg 3, async) that ``LISTEN``\\s on
  ``api.events.services.CHANNEL``; each recorded event arrives as a ``NOTIFY`` when its
  transaction commits, from whichever process recorded it. After a lost connection the
  hub reconnects and fetches what it missed from the events table.
- SQLite (the embedded default, one machine): a short poll of the events table every
  ``SSE_POLL_SECONDS`` (0.5 s), one query per process whatever the number of streams;
  SQLite's writing transactions are serialised, so ids commit in order and ``id > last``
  misses nothing.

A stream subscribes to its subject (a video or live event id) and gets an
``asyncio.Queue`` of events (``{id, subject_id, type, timestamp, data}`` dicts);
:meth:`Hub.wait_ready` returns once the source is listening, so a stream that reads the
table after it (snapshot, ``Last-Event-ID`` replay) misses nothing in between. A queue
that overflows (a client reading too slowly) gets ``None``: its stream ends, and the
client resumes from its ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from api.events.selectors import event_latest_id, events_since
from api.events.services import CHANNEL

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256
#: the LISTEN connection's name in PostgreSQL's pg_stat_activity
APPLICATION_NAME = "podv5-events-hub"
RECONNECT_SECONDS = (0.5, 1, 2, 5)


def _as_item(event) -> dict:
    return {"id": event.id, "subject_id": str(event.subject_id), **event.envelope()}


def _fetch_since(after: int) -> list[dict]:
    try:
        return [_as_item(e) for e in events_since(after=after)]
    finally:
        close_old_connections()


def _latest() -> int:
    try:
        return event_latest_id()
    finally:
        close_old_connections()


def _pg_params() -> dict:
    """psycopg connection keywords of the default database (Django's, without its sync
    cursor class and adapters context), named :data:`APPLICATION_NAME` in
    ``pg_stat_activity``."""
    params = connections["default"].get_connection_params()
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    return {**params, "application_name": APPLICATION_NAME}


class Hub:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue]] = {}
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        self.last_id = 0

    @property
    def streams(self) -> int:
        return sum(len(queues) for queues in self._queues.values())

    def subscribe(self, subject_id: UUID) -> asyncio.Queue:
        """A queue of the events about ``subject_id``; starts the source if needed."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests): start afresh
            self._queues, self._task, self._loop = {}, None, loop
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._queues.setdefault(str(subject_id), set()).add(queue)
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = loop.create_task(self._run(), name="events-hub")
        return queue

    def unsubscribe(self, subject_id: UUID, queue: asyncio.Queue) -> None:
        queues = self._queues.get(str(subject_id), set())
        queues.discard(queue)
        if not queues:
            self._queues.pop(str(subject_id), None)
        if not self._queues and self._task is not None:
            self._task.cancel()  # no stream left: the LISTEN connection is closed
            self._task = None

    async def wait_ready(self) -> None:
        assert self._ready is not None
        await self._ready.wait()

    def _dispatch(self, item: dict) -> None:
        self.last_id = max(self.last_id, item["id"])
        for queue in list(self._queues.get(item["subject_id"], ())):
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:  # too slow a reader: its stream ends
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(None)

    async def _run(self) -> None:
        if connections["default"].vendor == "postgresql":
            await self._listen()
        else:
            await self._poll()

    async def _poll(self) -> None:
        self.last_id = await sync_to_async(_latest, thread_sensitive=False)()
        self._ready.set()
        while True:
            await asyncio.sleep(float(settings.SSE_POLL_SECONDS))
            try:
                items = await sync_to_async(_fetch_since, thread_sensitive=False)(self.last_id)
            except Exception:
                logger.exception("events hub: poll failed")
                continue
            for item in items:
                self._dispatch(item)

    async def _listen(self) -> None:
        import psycopg

        failures, first = 0, True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    **_pg_params(), autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if first:
                        cursor = await conn.execute("SELECT COALESCE(MAX(id), 0) FROM events_event")
                        self.last_id = (await cursor.fetchone())[0]
                        first = False
                    else:  # what was published while we were away
                        for item in await sync_to_async(_fetch_since, thread_sensitive=False)(
                            self.last_id
                        ):
                            self._dispatch(item)
                    self._ready.set()
                    failures = 0
                    async for notify in conn.notifies():
                        try:
                            self._dispatch(json.loads(notify.payload))
                        except (ValueError, KeyError):
                            logger.warning("events hub: bad NOTIFY payload ignored")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                logger.warning("events hub: LISTEN connection lost (%s); again in %g s", exc, delay)
                await asyncio.sleep(delay)


#: this process's hub
hub = Hub()
