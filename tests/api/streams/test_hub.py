"""The per-process hub that feeds the streams, against the test database: events
recorded by another connection (another process, for the database) reach the subscribers
of their subject only, through LISTEN/NOTIFY on PostgreSQL or the poll on SQLite; on
PostgreSQL a lost LISTEN connection is re-opened and what was published meanwhile is
fetched."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection

from api.events.services import event_record
from api.streams.hub import APPLICATION_NAME, hub

pytestmark = pytest.mark.django_db(transaction=True)


def record(subject, event_type="video.progress", progress=10.0):
    """Record an event on a connection of its own (a thread's), committed."""
    try:
        return event_record(
            event_type=event_type,
            subject_id=subject,
            owner_ids=[1],
            data={"id": str(subject), "progress": progress},
        ).id
    finally:
        close_old_connections()


async def next_item(queue, timeout=10):
    return await asyncio.wait_for(queue.get(), timeout)


def test_events_reach_the_subscribers_of_their_subject():
    mine, other = uuid.uuid4(), uuid.uuid4()

    async def scenario():
        queue = hub.subscribe(mine)
        try:
            await asyncio.wait_for(hub.wait_ready(), 10)
            publish = sync_to_async(record, thread_sensitive=False)
            await publish(other)  # not this stream's subject
            first = await publish(mine, progress=10.0)
            second = await publish(mine, "video.ready")
            got = [await next_item(queue), await next_item(queue)]
            assert [item["id"] for item in got] == [first, second]
            assert got[0]["type"] == "video.progress" and got[0]["data"]["progress"] == 10.0
            assert got[1]["type"] == "video.ready" and got[1]["subject_id"] == str(mine)
            assert got[0]["timestamp"].endswith("Z")
            assert queue.empty()
        finally:
            hub.unsubscribe(mine, queue)
        assert hub.streams == 0

    asyncio.run(scenario())


def test_a_lost_listen_connection_is_reopened_and_the_gap_filled():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite polls the table")
    subject = uuid.uuid4()

    def kill_listeners():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [APPLICATION_NAME],
            )
            killed = cursor.rowcount
        close_old_connections()
        return killed

    async def scenario():
        queue = hub.subscribe(subject)
        try:
            await asyncio.wait_for(hub.wait_ready(), 10)
            assert await sync_to_async(kill_listeners, thread_sensitive=False)() >= 1
            published = await sync_to_async(record, thread_sensitive=False)(subject)
            item = await next_item(queue, timeout=20)  # after the reconnection
            assert item["id"] == published
        finally:
            hub.unsubscribe(subject, queue)

    asyncio.run(scenario())
