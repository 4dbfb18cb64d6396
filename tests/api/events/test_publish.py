"""What the workflow publishes, and that publishing can never undo a workflow step."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from api.encoding.models import EncodingJob
from api.events import services as events
from api.events.models import Event
from api.live.models import LiveEvent, LiveState
from api.live.services import live_heartbeat
from api.live.transitions import live_event_fail
from api.pipeline.services import encoding_job_lost
from api.videos.models import Video, VideoStatus

pytestmark = pytest.mark.django_db(transaction=True)  # events are recorded after commit


def processing_video(user) -> tuple[Video, EncodingJob]:
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.PROCESSING)
    job = EncodingJob.objects.create(video=video, backend="local", spec={})
    return video, job


def test_a_lost_job_publishes_video_failed_with_its_reason(user, other_user):
    video, job = processing_video(user)
    video.additional_owners.add(other_user)
    encoding_job_lost(job_id=job.id, reason="worker_failed", message="It died.")
    (event,) = Event.objects.filter(subject_id=video.id)
    assert event.type == "video.failed" and event.owner_ids == [user.pk, other_user.pk]
    assert event.data["status"] == "failed"
    assert event.data["error"] == {"code": "worker_failed", "message": "It died."}


def test_live_viewers_and_failures_are_published(user, rf):
    now = datetime.now(UTC)
    event = LiveEvent.objects.create(
        owner=user, title="talk", state=LiveState.LIVE, start=now, end=now + timedelta(hours=1)
    )
    live_heartbeat(event=event, viewer="c:one")
    live_heartbeat(event=event, viewer="c:one")  # the same count: nothing new
    live_heartbeat(event=event, viewer="c:two")
    live_event_fail(event_id=event.id, code="worker_lost", message="Gone.")
    live_event_fail(event_id=event.id, code="worker_lost", message="Gone.")  # final already
    got = [(e.type, e.data["viewers"], e.data["state"]) for e in Event.objects.all()]
    assert got == [
        ("live.viewers", 1, "live"),
        ("live.viewers", 2, "live"),
        ("live.failed", 2, "failed"),
    ]


def test_a_failing_consumer_never_undoes_the_workflow_step(user, caplog):
    video, job = processing_video(user)

    def broken(event):
        raise RuntimeError("consumer bug")

    events.register_consumer(broken)
    try:
        with caplog.at_level(logging.ERROR):
            encoding_job_lost(job_id=job.id, reason="worker_failed", message="It died.")
    finally:
        events._consumers.remove(broken)
    video.refresh_from_db()
    assert video.status == "failed"  # the step is done
    assert not Event.objects.exists()  # its event's transaction was rolled back whole
    assert "consumer bug" in caplog.text


def test_unknown_event_types_are_refused(user):
    with pytest.raises(ValueError, match="unknown event type"):
        events.publish("video.exploded", subject_id=user.pk, owner_ids=[], data={})
