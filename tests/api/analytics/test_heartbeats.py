"""Heartbeats through the API: known sessions give known per-day views, watch time,
sessions and retention curve; bad heartbeats get clear 422s and count nothing; rate
limits; simultaneous heartbeats count once each (PostgreSQL); nothing stored names the
viewer.

The videos of ``make_video`` last 4.0 s: 4 retention buckets of 1 s (middles at 0.5,
1.5, 2.5, 3.5 s) and a view threshold of min(30 s, 50 % × 4 s) = 2 s.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db import connections as db_connections
from django.utils import timezone

from api.analytics.models import DailyVideoStats, RetentionBucket, ViewingSession
from api.enrichment.models import ResumePosition
from api.social.models import VideoStats
from tests.api.factories import make_video
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def beat(client, video, session, watched=(), position=None, **extra):
    body = {
        "session": session,
        "position": position if position is not None else (watched[-1][1] if watched else 0),
        "watched": [list(r) for r in watched],
        "playing": True,
    }
    return client.post_json(f"/api/v1/videos/{video.id}/heartbeats", body, **extra)


def ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()["data"]


@pytest.fixture
def video(user):
    return make_video(user)


def test_known_sessions_give_known_views_watch_time_and_retention(alice, anon, video, user):
    a, b, c, e = (uuid.uuid4().hex for _ in range(4))
    assert ok(beat(anon, video, a, [(0, 1.5)])) == {"view": False, "watch_time": 1.5}
    assert ok(beat(anon, video, a, [(1.5, 3)])) == {"view": True, "watch_time": 3.0}
    assert ok(beat(anon, video, b, [(0, 1)])) == {"view": False, "watch_time": 1.0}
    # out of order and overlapping ranges are merged: [0, 0.6] and [2, 4]
    assert ok(beat(anon, video, c, [(2, 4), (0, 0.6), (2.5, 3)])) == {
        "view": True,
        "watch_time": 2.6,
    }
    assert ok(beat(anon, video, c, [(2, 4)])) == {"view": True, "watch_time": 4.6}  # re-watch
    assert ok(beat(alice, video, e, [], position=0.0)) == {"view": False, "watch_time": 0.0}

    today = timezone.localdate()
    start = today - timedelta(days=2)
    response = alice.get(f"/api/v1/videos/{video.id}/analytics?from={start}&to={today}")
    data = ok(response)
    assert (data["start"], data["end"]) == (str(start), str(today))
    zero = {"views": 0, "watch_time": 0.0, "sessions": 0}
    assert data["days"] == [
        {"day": str(start), **zero},
        {"day": str(today - timedelta(days=1)), **zero},
        {"day": str(today), "views": 2, "watch_time": 8.6, "sessions": 4},
    ]
    assert data["totals"] == {
        "views": 2,
        "watch_time": 8.6,
        "sessions": 4,
        "average_view_duration": 2.15,
    }
    assert data["retention"] == {
        "duration": 4.0,
        "buckets": 4,
        "bucket_seconds": 1.0,
        "sessions": 4,
        # bucket 0: a, b, c; 1: a; 2: a, c (c's re-watch counts once); 3: c
        "curve": [0.75, 0.25, 0.5, 0.25],
    }


def test_a_session_idle_for_too_long_starts_over(anon, video):
    session = uuid.uuid4().hex
    ok(beat(anon, video, session, [(0, 3)]))
    ViewingSession.objects.update(last_beat_at=timezone.now() - timedelta(hours=7))
    assert ok(beat(anon, video, session, [(0, 1)])) == {"view": False, "watch_time": 1.0}
    stats = DailyVideoStats.objects.get(video=video)
    assert (stats.sessions, stats.views, stats.watch_ms) == (2, 1, 4000)
    assert list(RetentionBucket.objects.order_by("index").values_list("sessions", flat=True)) == [
        2,
        1,
        1,
        0,
    ]


def test_the_period_sums_the_days_asked_for(alice, video):
    today = timezone.localdate()
    for days_ago, views, watch_ms, sessions in ((0, 3, 9000, 4), (5, 1, 1500, 2), (40, 7, 1, 9)):
        DailyVideoStats.objects.create(
            video=video,
            day=today - timedelta(days=days_ago),
            views=views,
            watch_ms=watch_ms,
            sessions=sessions,
        )
    data = ok(alice.get(f"/api/v1/videos/{video.id}/analytics"))  # the last 30 days
    assert data["start"] == str(today - timedelta(days=29)) and len(data["days"]) == 30
    assert data["totals"] == {
        "views": 4,
        "watch_time": 10.5,
        "sessions": 6,
        "average_view_duration": 1.75,
    }
    assert data["days"][-6] == {
        "day": str(today - timedelta(days=5)),
        "views": 1,
        "watch_time": 1.5,
        "sessions": 2,
    }
    assert data["retention"] is None  # no heartbeat yet
    one = ok(alice.get(f"/api/v1/videos/{video.id}/analytics?from={today}&to={today}"))
    assert one["totals"]["views"] == 3 and len(one["days"]) == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2025-03-02&to=2025-03-01", "from"),
        ("from=2023-01-01&to=2025-01-01", "from"),
        ("from=yesterday", "from"),
        ("to=2025-02-30", "to"),
    ],
)
def test_a_bad_period_is_a_422(alice, video, query, field):
    response = alice.get(f"/api/v1/videos/{video.id}/analytics?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def _bad(client, video, body):
    return client.post(
        f"/api/v1/videos/{video.id}/heartbeats", body, content_type="application/json"
    )


GOOD = {"session": "s" * 16, "position": 1.0, "watched": [[0, 1]], "playing": True}


@pytest.mark.parametrize(
    "change, status, code, field",
    [
        ({"position": -1}, 422, "validation_error", "position"),
        ({"position": 5.5}, 422, "position_out_of_range", "position"),
        ({"watched": [[0, 1], [3, 6]]}, 422, "position_out_of_range", "watched.1"),
        ({"watched": [[-1, 1]]}, 422, "validation_error", "watched.0.0"),
        ({"watched": [[2, 1]]}, 422, "validation_error", "watched.0"),
        ({"watched": [[0, 0.01]] * 51}, 422, "validation_error", "watched"),
        ({"watched": [[0]]}, 422, "validation_error", "watched.0.1"),
        ({"watched": [["a", "b"]]}, 422, "validation_error", "watched.0.0"),
        ({"watched": [[0, 1, 2]]}, 422, "validation_error", "watched.0"),
        ({"watched": "0-1"}, 422, "validation_error", "watched"),
        ({"position": "NaN"}, 422, "validation_error", "position"),
        ({"position": 1e300}, 422, "validation_error", "position"),
        ({"session": "short"}, 422, "validation_error", "session"),
        ({"session": "a" * 65}, 422, "validation_error", "session"),
        ({"session": "../../etc"}, 422, "validation_error", "session"),
        ({"session": None}, 422, "validation_error", "session"),
    ],
)
def test_bad_heartbeats_are_refused_and_count_nothing(anon, video, change, status, code, field):
    response = _bad(anon, video, json.dumps({**GOOD, **change}))
    assert response.status_code == status, response.json()
    error = response.json()["errors"][0]
    assert (error["code"], error.get("field")) == (code, field)
    assert not ViewingSession.objects.exists() and not DailyVideoStats.objects.exists()
    assert ok(_bad(anon, video, json.dumps(GOOD)))["watch_time"] == 1.0  # the good one counts


def test_a_nan_literal_and_broken_json_are_refused(anon, video):
    nan = _bad(anon, video, '{"session": "ssssssss", "position": NaN, "watched": []}')
    assert nan.status_code == 422 and nan.json()["errors"][0]["field"] == "position"
    broken = _bad(anon, video, '{"session": "ssssssss", "position": ')
    assert broken.status_code == 400 and broken.json()["errors"][0]["code"] == "bad_request"
    assert not ViewingSession.objects.exists()


def test_a_heartbeat_reporting_too_much_is_refused(anon, video, settings):
    settings.ANALYTICS_HEARTBEAT_MAX_SECONDS = 2
    response = beat(anon, video, "s" * 16, [(0, 1.5), (1, 2.5)])  # merged: 2.5 s
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "code": "heartbeat_too_long",
        "message": "One heartbeat may report at most 2 s played (2.5 s here): send them more "
        "often.",
        "field": "watched",
    }
    assert not DailyVideoStats.objects.exists()


def test_ends_a_frame_past_the_duration_are_the_end(anon, video):
    assert ok(beat(anon, video, "s" * 16, [(3, 4.04)], position=4.04))["watch_time"] == 1.0


def test_a_video_not_encoded_yet_has_no_heartbeats(alice, user):
    processing = make_video(user, status="processing")
    response = beat(alice, processing, "s" * 16, [])
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_state"


def test_heartbeats_follow_the_access_rules(anon, alice, user):
    private = make_video(user, visibility="private")
    assert beat(anon, private, "s" * 16, [(0, 1)]).status_code == 404
    assert ok(beat(alice, private, "s" * 16, [(0, 1)]))["watch_time"] == 1.0


def test_heartbeats_are_rate_limited_per_session_and_per_client(anon, video, settings):
    cache.clear()
    settings.RATE_LIMITS = {"heartbeat": "3/m", "heartbeat_client": "5/m"}
    for _ in range(3):
        ok(beat(anon, video, "one-session", [(0, 0.1)]))
    refused = beat(anon, video, "one-session", [(0, 0.1)])
    assert refused.status_code == 429 and refused.json()["errors"][0]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    ok(beat(anon, video, "another-session", [(0, 0.1)]))  # another session: its own bucket
    assert beat(anon, video, "third-session", [(0, 0.1)]).status_code == 429  # the client's 5
    assert DailyVideoStats.objects.get(video=video).watch_ms == 400  # 3 + 1 counted


def test_signed_in_heartbeats_move_the_resume_position(alice, video, user):
    ok(beat(alice, video, "s" * 16, [(0, 1.5)], position=1.5))
    assert ResumePosition.objects.get(video=video, user=user).position == 1.5
    resume = alice.get(f"/api/v1/videos/{video.id}/resume").json()["data"]
    assert resume["position"] == 1.5
    ok(beat(alice, video, "s" * 16, [(1.5, 4)], position=4))  # the end: cleared
    assert alice.get(f"/api/v1/videos/{video.id}/resume").json()["data"]["position"] is None


def test_nothing_stored_names_the_viewer(anon, alice, video, user):
    """The session id, the user and the address are nowhere in the database: only an
    HMAC of the session id (with the video and user ids) is kept."""
    session = "visible-session-id-123"
    ok(beat(anon, video, session, [(0, 1)], REMOTE_ADDR="203.0.113.9"))
    ok(beat(alice, video, session, [(0, 1)]))  # the same id signed in: another session
    keys = list(ViewingSession.objects.values_list("key", flat=True))
    assert len(set(keys)) == 2 and all(len(k) == 64 for k in keys)
    rows = json.dumps(list(ViewingSession.objects.values()), default=str)
    assert session not in rows and "203.0.113.9" not in rows and user.username not in rows


def test_heartbeats_stay_apart_from_the_public_view_counter(anon, video):
    """The public counter (POST /views, api.social) and the analytics are separate:
    a heartbeat changes only the analytics (docs/analytics.md)."""
    ok(beat(anon, video, "s" * 16, [(0, 3)]))
    assert not VideoStats.objects.filter(video=video).exists()
    assert anon.post(f"/api/v1/videos/{video.id}/views").json()["data"]["views"] == 1
    assert DailyVideoStats.objects.get(video=video).views == 1


def test_purge_forgets_idle_sessions_and_keeps_the_counts(anon, video):
    from django.core.management import call_command

    ok(beat(anon, video, "old-session", [(0, 1)]))
    ok(beat(anon, video, "new-session", [(0, 1)]))
    ViewingSession.objects.filter(
        pk=ViewingSession.objects.order_by("started_at").first().pk
    ).update(last_beat_at=timezone.now() - timedelta(days=1))
    call_command("analytics_purge", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ViewingSession.objects.count() == 1
    assert DailyVideoStats.objects.get(video=video).sessions == 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_heartbeats_count_once_each(user):
    """24 heartbeats at the same moment: 8 sessions' first beats, 8 of them twice more.
    Every session, view, millisecond and bucket counts exactly once. Needs concurrent
    transactions, so PostgreSQL (SQLite serialises writers anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL only")
    video = make_video(user)
    barrier = threading.Barrier(24)
    answers: list[int] = []

    def send(session, watched):
        try:
            barrier.wait(timeout=10)
            answers.append(beat(ApiClient(), video, session, watched).status_code)
        finally:
            db_connections.close_all()

    jobs = []
    for n in range(8):
        session = f"concurrent-{n}"
        jobs += [(session, [(0, 1)]), (session, [(1, 2)]), (session, [(2, 3)])]
    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * 24
    stats = DailyVideoStats.objects.get(video=video)
    assert (stats.sessions, stats.views, stats.watch_ms) == (8, 8, 24000)
    counts = RetentionBucket.objects.order_by("index").values_list("sessions", flat=True)
    assert list(counts) == [8, 8, 8, 0]
