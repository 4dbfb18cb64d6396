"""End to end: a video uploaded with the stock tus client to the live server, encoded by
the real worker (local backend), and its events delivered by the in-process sender
(WEBHOOK_SENDER, as in production) to a real receiver, every one signed."""

from __future__ import annotations

import pytest
from tusclient import client as tus_client

from api.webhooks import sender
from tests.conftest import bearer, make_clip


@pytest.fixture
def in_process_sender(settings):
    settings.WEBHOOK_SENDER = True
    settings.WEBHOOK_SENDER_SECONDS = 0.5
    yield
    settings.WEBHOOK_SENDER = False
    sender.wake()
    thread = sender.current_thread()
    if thread is not None:
        thread.join(timeout=30)


@pytest.mark.media
def test_a_real_encode_is_delivered_to_the_subscriber(
    live_api, alice, user, receiver, in_process_sender, tmp_path
):
    hook = alice.post_json(
        "/api/v1/webhooks",
        {"url": receiver.url, "events": ["upload.created", "video.processing", "video.ready"]},
    ).json()["data"]
    video = alice.post_json("/api/v1/videos", {"title": "lecture"}).json()["data"]
    clip = make_clip(tmp_path / "tiny.mp4", seconds=2, size="160x120")
    auth = {"Authorization": bearer(user)}
    tus_client.TusClient(f"{live_api.url}/api/v1/uploads/", headers=auth).uploader(
        str(clip), metadata={"video": video["id"], "filename": "tiny.mp4"}
    ).upload()
    got = receiver.wait_for(3, timeout=180)
    payloads = [r.verify(hook["secret"]) for r in got]  # every one signed with the secret
    types = [p["type"] for p in payloads]  # (the first two may be sent side by side)
    assert sorted(types[:2]) == ["upload.created", "video.processing"]
    assert types[2] == "video.ready"
    assert {p["data"].get("video_id", p["data"]["id"]) for p in payloads} == {video["id"]}
    assert payloads[-1]["data"]["status"] == "ready"
    assert 1.5 < payloads[-1]["data"]["duration"] < 2.5
    thread = sender.current_thread()
    assert thread is not None and thread.name == "webhook-sender"
