"""The ``local`` backend's decisions without a worker: stop, lost workers, start after
commit. (Real local workers run in tests/api/live/test_live_stream.py.)"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from api.live.backends.local import LocalLiveBackend, is_alive
from api.live.models import LiveEvent, LiveState

pytestmark = pytest.mark.django_db


def _event(user, **fields) -> LiveEvent:
    now = datetime.now(UTC)
    return LiveEvent.objects.create(
        owner=user, title="e", start=now - timedelta(minutes=5), end=now + timedelta(hours=1),
        **fields,
    )  # fmt: skip


def test_lost_events_are_the_running_ones_whose_worker_is_gone(user):
    backend, now = LocalLiveBackend(), datetime.now(UTC)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    old = now - timedelta(minutes=1)
    lost = _event(user, state=LiveState.LIVE, started_at=old, worker_pid=gone.pid)
    never = _event(user, ingest="b", state=LiveState.STARTING, started_at=old, worker_pid=0)
    young = _event(user, ingest="c", state=LiveState.STARTING, started_at=now, worker_pid=0)
    _event(user, ingest="d", state=LiveState.ENDED, started_at=old, worker_pid=0)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = _event(user, ingest="e", state=LiveState.LIVE, started_at=old,
                         worker_pid=alive.pid)  # fmt: skip
        assert is_alive(alive.pid)
        found = set(backend.lost_events(now=now))
    finally:
        alive.kill()
        alive.wait()
    assert found == {lost.id, never.id}
    assert young.id not in found and running.id not in found


def test_stop_without_a_worker_leaves_the_ending_to_the_caller(user):
    backend = LocalLiveBackend()
    assert backend.stop(event=_event(user)) is False  # scheduled
    assert backend.stop(event=_event(user, ingest="b", state=LiveState.LIVE)) is False


def test_start_launches_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        LocalLiveBackend().start(event=_event(user))
    assert len(callbacks) == 1
