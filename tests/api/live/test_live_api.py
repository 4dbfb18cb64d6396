"""Live events over the API (Django's test client): scheduling, the overlap rule, the
stream key's secrecy, the signed live callbacks and viewer counting."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from podv5_contract.callbacks import event_body

pytestmark = pytest.mark.django_db

T0 = datetime.now(UTC) + timedelta(days=1)


def event_payload(**overrides):
    payload = {
        "title": "Physics lecture",
        "start": T0.isoformat(),
        "end": (T0 + timedelta(hours=1)).isoformat(),
    }
    payload.update(overrides)
    return payload


def create(client, **overrides):
    response = client.post_json("/api/v1/live/events", event_payload(**overrides))
    assert response.status_code == 201, response.content
    return response.json()["data"]


def deliver(client, event_type: str, msg_id: str, **data):
    body = event_body(event_type, data)
    now = datetime.now(UTC)
    headers = {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(now.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": Webhook(settings.CALLBACK_SIGNING_SECRET).sign(msg_id, now, body),
    }
    return client.post(
        "/api/v1/internal/callbacks", body, content_type="application/json", **headers
    )


def test_create_get_list_filter(alice, anon):
    first = create(alice)
    assert first["state"] == "scheduled" and first["on_air"] is False
    assert len(first["ingest"]["stream_key"]) >= 32 and first["ingest"]["protocol"] == "rtmp"
    later = create(
        alice,
        start=(T0 + timedelta(days=2)).isoformat(),
        end=(T0 + timedelta(days=2, hours=1)).isoformat(),
    )
    listed = anon.get("/api/v1/live/events").json()["data"]
    assert [item["id"] for item in listed["items"]] == [first["id"], later["id"]]
    query = {"start_after": (T0 + timedelta(days=1)).isoformat()}
    after = anon.get("/api/v1/live/events", query).json()["data"]["items"]
    assert [item["id"] for item in after] == [later["id"]]
    live_only = anon.get("/api/v1/live/events", {"state": "live"}).json()["data"]["items"]
    assert live_only == []


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"end": T0.isoformat()}, "end"),
        ({"start": "2030-01-01T10:00:00"}, "start"),  # naive: refused
        ({"visibility": "password"}, "password"),  # a password-protected event needs one
    ],
)
def test_invalid_events_are_422(alice, overrides, field):
    response = alice.post_json("/api/v1/live/events", event_payload(**overrides))
    assert response.status_code == 422, response.content


def test_viewer_may_not_schedule(client_for, django_user_model):
    viewer = django_user_model.objects.create_user("v", "v@example.org", "pw-v-1")
    response = client_for(viewer).post_json("/api/v1/live/events", event_payload())
    assert response.status_code == 403


def test_overlapping_events_on_one_ingest_point_are_refused(alice, client_for, other_user):
    first = create(alice)
    half = (T0 + timedelta(minutes=30)).isoformat()
    clash = client_for(other_user).post_json(
        "/api/v1/live/events",
        event_payload(start=half, end=(T0 + timedelta(hours=2)).isoformat()),
    )
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["code"] == "ingest_busy"
    # back to back is fine, and so is another ingest point
    create(
        alice,
        start=(T0 + timedelta(hours=1)).isoformat(),
        end=(T0 + timedelta(hours=2)).isoformat(),
    )
    create(alice, start=half, ingest="amphi-b")
    # moving an event onto a taken slot is refused too
    moved = alice.patch_json(f"/api/v1/live/events/{first['id']}", {"ingest": "amphi-b"})
    assert moved.status_code == 409 and moved.json()["errors"][0]["code"] == "ingest_busy"
    # an ended event frees its slot
    assert alice.post(f"/api/v1/live/events/{first['id']}/stop").json()["data"]["state"] == "ended"
    create(alice, start=half, end=(T0 + timedelta(minutes=45)).isoformat())


def test_stream_key_only_for_owners_and_never_logged(alice, client_for, anon, other_user, caplog):
    caplog.set_level(logging.DEBUG)
    event = create(alice, additional_owners=["bob"], visibility="unlisted")
    key = event["ingest"]["stream_key"]
    stranger = client_for(type(other_user).objects.create_user("carol", "c@example.org", "pw-c-1"))
    for client in (anon, stranger):
        response = client.get(f"/api/v1/live/events/{event['id']}")
        assert response.status_code == 200
        assert response.json()["data"]["ingest"] is None
        assert key not in response.content.decode()
        assert key not in client.get(f"/api/v1/live/events/{event['id']}/player").content.decode()
    co_owner = client_for(other_user).get(f"/api/v1/live/events/{event['id']}").json()["data"]
    assert co_owner["ingest"]["stream_key"] == key
    assert stranger.post(f"/api/v1/live/events/{event['id']}/rotate-key").status_code == 403
    rotated = alice.post(f"/api/v1/live/events/{event['id']}/rotate-key").json()["data"]
    new_key = rotated["ingest"]["stream_key"]
    assert new_key != key and len(new_key) >= 32
    alice.get(f"/api/v1/live/events/{event['id']}")
    text = caplog.text + repr(caplog.records)
    assert key not in text and new_key not in text


def test_private_and_draft_events_are_hidden(alice, anon):
    private = create(alice, visibility="private")
    draft = create(
        alice,
        is_draft=True,
        start=(T0 + timedelta(days=3)).isoformat(),
        end=(T0 + timedelta(days=3, hours=1)).isoformat(),
    )
    for event in (private, draft):
        assert anon.get(f"/api/v1/live/events/{event['id']}").status_code == 404
    assert anon.get("/api/v1/live/events").json()["data"]["items"] == []
    assert len(alice.get("/api/v1/live/events").json()["data"]["items"]) == 2


def test_signed_live_callbacks_move_the_event_forward_only(alice, anon):
    event = create(alice)
    eid = event["id"]
    assert deliver(anon, "live.starting", "m1", event_id=eid, listening=True).status_code == 200
    assert anon.get(f"/api/v1/live/events/{eid}").json()["data"]["state"] == "live"
    assert deliver(anon, "live.on_air", "m2", event_id=eid, seq=2).json()["data"]["applied"]
    late = deliver(anon, "live.off_air", "m3", event_id=eid, seq=1).json()["data"]
    assert late["applied"] is False  # an older session's off_air changes nothing
    player = anon.get(f"/api/v1/live/events/{eid}/player").json()["data"]
    assert player["on_air"] is True and player["state"] == "live"
    assert player["hls"].endswith(f"/api/v1/live/events/{eid}/hls/index.m3u8")
    # a replay (same webhook-id) has no second effect; a bad signature is 401
    assert deliver(anon, "live.on_air", "m2", event_id=eid, seq=2).json()["data"]["applied"]
    forged = anon.post(
        "/api/v1/internal/callbacks",
        event_body("live.ended", {"event_id": eid}),
        content_type="application/json",
        HTTP_WEBHOOK_ID="m9",
        HTTP_WEBHOOK_TIMESTAMP=str(int(time.time())),
        HTTP_WEBHOOK_SIGNATURE="v1,Zm9yZ2Vk",
    )
    assert forged.status_code == 401
    assert deliver(anon, "live.ended", "m4", event_id=eid).status_code == 200
    ended = anon.get(f"/api/v1/live/events/{eid}").json()["data"]
    assert ended["state"] == "ended" and ended["on_air"] is False and ended["video_id"] is None
    again = deliver(anon, "live.on_air", "m5", event_id=eid, seq=3).json()["data"]
    assert again["applied"] is False and again["phase"] == "ended"


def test_viewer_counting_with_expiring_heartbeats(alice, anon, settings):
    settings.LIVE_VIEWER_TTL_SECONDS = 2
    event = create(alice)
    eid = event["id"]
    url = f"/api/v1/live/events/{eid}/heartbeat"
    assert anon.post_json(url, {"viewer": "viewer-00"}).status_code == 409  # not live yet
    deliver(anon, "live.starting", "s1", event_id=eid, listening=True)
    for n in range(5):
        counts = anon.post_json(url, {"viewer": f"viewer-{n:02d}"}).json()["data"]
    assert counts == {"viewers": 5, "peak_viewers": 5}
    # the same viewer again counts once; a session-identified viewer counts once too
    assert anon.post_json(url, {"viewer": "viewer-00"}).json()["data"]["viewers"] == 5
    assert anon.post_json(url).json()["data"]["viewers"] == 6
    assert anon.post_json(url).json()["data"]["viewers"] == 6
    assert alice.post_json(url).json()["data"]["viewers"] == 7
    time.sleep(2.2)  # every heartbeat expires...
    counts = anon.post_json(url, {"viewer": "viewer-03"}).json()["data"]
    assert counts == {"viewers": 1, "peak_viewers": 7}  # ...but one; the peak is kept
    player = anon.get(f"/api/v1/live/events/{eid}/player").json()["data"]
    assert (player["viewers"], player["peak_viewers"]) == (1, 7)


def test_live_tick_starts_due_events_and_ends_past_ones(
    user, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from api.live.models import LiveEvent

    settings.LIVE_BACKEND = "local"
    now = datetime.now(UTC)
    due = LiveEvent.objects.create(
        owner=user, title="due", start=now - timedelta(seconds=5), end=now + timedelta(hours=1)
    )
    manual = LiveEvent.objects.create(
        owner=user,
        title="manual",
        ingest="b",
        auto_start=False,
        start=now - timedelta(seconds=5),
        end=now + timedelta(hours=1),
    )
    past = LiveEvent.objects.create(
        owner=user, title="past", ingest="c", start=now - timedelta(hours=2), end=now
    )
    # the launch of the due event's worker is queued for after the commit (not run here)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("live_tick")
    # (the others publish the events live.starting and live.ended: api.events)
    launches = [c for c in callbacks if c.__qualname__.startswith("LocalLiveBackend.")]
    assert len(launches) == 1
    states = {e.title: e.state for e in LiveEvent.objects.all()}
    assert states == {"due": "starting", "manual": "scheduled", "past": "ended"}
    assert due.pk and manual.pk and past.pk


def test_live_start_with_s3_storage_and_local_worker_is_refused_before_commit(
    alice, settings, django_capture_on_commit_callbacks
):
    """The local live worker writes to a folder (file:// output): with S3 storage a start
    answers 409 live_unsupported_storage and the event stays scheduled, nothing launched
    (it used to answer 200 `starting`, then fail after commit on the worker's spec)."""
    settings.LIVE_BACKEND = "local"
    event = create(alice)
    settings.STORAGE_BACKEND, settings.S3_BUCKET = "s3", "pod-media"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice.post_json(f"/api/v1/live/events/{event['id']}/start", {})
    assert response.status_code == 409, response.content
    (error,) = response.json()["errors"]
    assert error["code"] == "live_unsupported_storage"
    assert "STORAGE_BACKEND=s3" in error["message"]
    assert callbacks == []
    after = alice.get(f"/api/v1/live/events/{event['id']}").json()["data"]
    assert after["state"] == "scheduled" and after["error"] is None


def test_live_tick_fails_a_due_event_it_cannot_start_on_s3_storage(
    alice, user, settings, django_capture_on_commit_callbacks
):
    """The scheduler meets the same refusal: the due event fails with the code (shown on
    the event), rather than the tick crashing or retrying it forever."""
    from django.core.management import call_command

    from api.live.models import LiveEvent

    settings.LIVE_BACKEND = "local"
    settings.STORAGE_BACKEND, settings.S3_BUCKET = "s3", "pod-media"
    now = datetime.now(UTC)
    due = LiveEvent.objects.create(
        owner=user, title="due", start=now - timedelta(seconds=5), end=now + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("live_tick")
    # nothing launched (the one callback publishes live.failed: api.events)
    assert [c for c in callbacks if c.__qualname__.startswith("LocalLiveBackend.")] == []
    shown = alice.get(f"/api/v1/live/events/{due.id}").json()["data"]
    assert shown["state"] == "failed"
    assert shown["error"]["code"] == "live_unsupported_storage"
