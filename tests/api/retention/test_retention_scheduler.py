"""The in-server retention scheduler runs ``retention_tick`` by itself, and ticks that
run at once (several API processes, cron) never warn, archive or delete twice."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from api.retention import scheduler
from api.retention.models import RetentionNotice, VideoRetention
from api.retention.services import retention_tick
from tests.api.factories import make_video
from tests.api.retention.conftest import noon, set_deletion_date


@pytest.fixture
def scheduler_on(live_server, settings, policy_settings):
    settings.RETENTION_SCHEDULER = True
    settings.RETENTION_SCHEDULER_SECONDS = 0.2
    yield live_server
    settings.RETENTION_SCHEDULER = False
    thread = scheduler.current_thread()
    if thread is not None:
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_scheduler_archives_a_due_video_by_itself(scheduler_on, transactional_db, user):
    video = make_video(user)
    set_deletion_date(video, timezone.localdate() - timedelta(days=1))
    httpx.get(f"{scheduler_on.url}/api/v1/catalog/videos", timeout=30)  # any request
    assert scheduler.current_thread() is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if VideoRetention.objects.get(video=video).state == "archived":
            break
        time.sleep(0.1)
    video.refresh_from_db()
    assert video.retention.state == "archived" and video.is_draft


def test_scheduler_is_off_unless_enabled(settings):
    settings.RETENTION_SCHEDULER = False
    assert scheduler.ensure_started() is False


def test_concurrent_ticks_act_once(transactional_db, smtp, policy_settings, user, other_user):
    due = [make_video(user, title=f"Due {n}", co_owners=[other_user]) for n in range(3)]
    archived = make_video(user, title="Archived today")
    for video in due:
        set_deletion_date(video, date(2030, 3, 1))
    set_deletion_date(archived, date(2030, 2, 10))
    now = noon(2030, 2, 10)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def tick():
        try:
            barrier.wait(timeout=10)
            results.append(retention_tick(now=now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    warned = [vid for result in results for vid in result["warned"]]
    mailed = [name for result in results for name in result["mailed"]]
    archived_ids = [vid for result in results for vid in result["archived"]]
    assert sorted(warned) == sorted(str(video.id) for video in due)  # each once
    assert sorted(mailed) == ["alice", "bob"]
    assert archived_ids == [str(archived.id)]
    assert sorted(smtp.recipients) == [["alice@example.org"], ["bob@example.org"]]
    assert RetentionNotice.objects.filter(sent_at=None).count() == 0
    assert RetentionNotice.objects.count() == 6  # 3 videos x 2 owners
