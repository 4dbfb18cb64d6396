"""The in-server live scheduler (embedded default): an ``auto_start`` event starts by
itself at ``start`` and ends at ``end``, with nobody calling ``live_tick``; the real
``media-live`` worker is launched and stopped by the API process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.live import scheduler
from api.live.models import LiveEvent
from tests.conftest import bearer


@pytest.fixture
def scheduler_on(live_api, settings):
    settings.LIVE_SCHEDULER = True
    settings.LIVE_SCHEDULER_SECONDS = 0.5
    yield
    settings.LIVE_SCHEDULER = False
    thread = scheduler.current_thread()
    if thread is not None:
        thread.join(timeout=10)
        assert not thread.is_alive()


def states_until(event_id, final: set[str], timeout: float) -> list[str]:
    """The states the event went through (polled every 0.1 s) until one in ``final``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = LiveEvent.objects.values_list("state", flat=True).get(pk=event_id)
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in final:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"timed out; states so far: {seen}")


def test_auto_start_event_starts_and_ends_by_itself(scheduler_on, live_api, user):
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)}, timeout=30)
    now = datetime.now(UTC)
    start, end = now + timedelta(seconds=3), now + timedelta(seconds=9)
    created = http.post(
        "/api/v1/live/events",
        json={
            "title": "Scheduled",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "auto_start": True,
            "record": False,
        },
    )
    assert created.status_code == 201, created.text
    eid = created.json()["data"]["id"]
    assert scheduler.current_thread() is not None  # the request started it

    went_live = states_until(eid, {"live", "failed", "ended"}, timeout=20)
    assert went_live[0] == "scheduled" and went_live[-1] == "live", went_live
    event = LiveEvent.objects.get(pk=eid)
    assert event.started_at >= start  # not before its start...
    assert event.worker_pid and event.ingest_port  # ...by a real local worker

    ended = states_until(eid, {"ended", "failed"}, timeout=25)
    event = LiveEvent.objects.get(pk=eid)
    assert ended[-1] == "ended", (ended, event.error_code, event.error_message)
    assert event.ended_at >= end  # stopped at its end, not before
    player = http.get(f"/api/v1/live/events/{eid}/player").json()["data"]
    assert player["state"] == "ended" and player["hls"] is None


def test_scheduler_is_off_unless_enabled(settings):
    settings.LIVE_SCHEDULER = False
    assert scheduler.ensure_started() is False
    settings.LIVE_SCHEDULER = True
    settings.LIVE_BACKEND = "kubernetes"  # the operator's timers run it there
    assert scheduler.ensure_started() is False
    assert scheduler.current_thread() is None or not scheduler.current_thread().is_alive()


def test_concurrent_ticks_start_an_event_once(transactional_db, user, settings):
    """Several API processes tick at once: the due event is started (and its worker
    launched) by exactly one of them. Two threads stand for two processes (each has its
    own database connection); the worker command does not exist, so the one launch
    fails the event and no process is left behind."""
    import threading

    from django.db import connection, connections

    from api.live.services import live_tick

    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writes")
    settings.LIVE_BACKEND = "local"
    settings.LIVE_WORKER_COMMAND = "/nonexistent/media-live"
    now = datetime.now(UTC)
    event = LiveEvent.objects.create(
        owner=user, title="due", start=now - timedelta(seconds=1), end=now + timedelta(hours=1)
    )
    barrier, results = threading.Barrier(4), []

    def tick():
        try:
            barrier.wait()
            results.append(live_tick())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    assert sum(event.id in result["started"] for result in results) == 1
    event.refresh_from_db()
    assert (event.state, event.error_code) == ("failed", "worker_unavailable")
