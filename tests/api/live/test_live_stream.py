"""A real stream end to end: ffmpeg pushes a test pattern + tone over RTMP (and SRT) to
the local ``media-live`` worker that the API started; the live playlist appears and advances, the
signed ``live.on_air``/``live.off_air`` callbacks arrive, a wrong stream key is refused
and records nothing, and stopping the event turns the recording into a Video that the
normal encoding makes ``ready`` with the pushed duration."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import m3u8
import pytest

from api.live.models import LiveEvent
from api.videos.models import Video
from tests.conftest import FFMPEG, bearer

PUSH_SECONDS = 8


def push(url: str, seconds: float) -> subprocess.Popen:
    """ffmpeg publishing a live-paced (``-re``) test pattern + tone, H.264/AAC, 2 s GOP:
    FLV over RTMP, MPEG-TS over SRT."""
    return subprocess.Popen(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
            "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
            "-f", "mpegts" if url.startswith("srt:") else "flv", url,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def event_of(event_id) -> LiveEvent:
    return LiveEvent.objects.get(pk=event_id)


@pytest.mark.media
def test_real_stream_live_hls_on_air_and_live_to_vod(live_api, user, settings, capfd):
    settings.LIVE_RECONNECT_SECONDS = 120
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)}, timeout=30)
    now = datetime.now(UTC)
    created = http.post(
        "/api/v1/live/events",
        json={
            "title": "Live lecture",
            "start": (now + timedelta(minutes=5)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "visibility": "private",
        },
    ).json()["data"]
    eid = created["id"]
    started = http.post(f"/api/v1/live/events/{eid}/start").json()["data"]
    assert started["state"] in ("starting", "live")
    wait_until(lambda: event_of(eid).state == "live", 20, "the worker's live.starting")
    ingest = http.get(f"/api/v1/live/events/{eid}").json()["data"]["ingest"]
    key = ingest["stream_key"]
    assert ingest["url"] == f"{ingest['server']}/{key}"
    out = Path(settings.MEDIA_ROOT) / "live" / eid

    # a wrong key is refused at the gate: the push fails, nothing is recorded or played
    wrong = push(f"{ingest['server']}/{'x' * len(key)}", 3)
    assert wrong.wait(timeout=20) != 0
    time.sleep(0.5)
    assert list((out / "rec").glob("*")) == [] and list((out / "hls").glob("*")) == []
    assert event_of(eid).on_air is False

    # the right key: on air, the playlist appears and advances
    pusher = push(ingest["url"], PUSH_SECONDS)
    wait_until(lambda: event_of(eid).on_air, 15, "live.on_air")
    player = http.get(f"/api/v1/live/events/{eid}/player").json()["data"]
    assert player["state"] == "live" and player["on_air"] is True

    def playlist():
        response = http.get(player["hls"])
        return m3u8.loads(response.text) if response.status_code == 200 else None

    first = wait_until(lambda: (p := playlist()) and p.segments and p, 10, "the live playlist")
    assert not first.is_endlist and first.target_duration == 2
    last = first.segments[-1].uri
    wait_until(lambda: playlist().segments[-1].uri != last, 6, "a new segment")
    segment = http.get(player["hls"].replace("index.m3u8", playlist().segments[0].uri))
    assert segment.status_code == 200 and segment.headers["content-type"] == "video/mp2t"

    # a private event: its live URLs carry a token; anyone holding them may play, the
    # plain URLs serve nothing; the poster is a frame of the stream
    anon = httpx.Client(base_url=live_api.url, timeout=30)
    assert player["expires_at"] is not None
    assert "/hls/t/" in player["hls"]
    assert anon.get(f"/api/v1/live/events/{eid}/player").status_code == 404
    assert anon.get(f"/api/v1/live/events/{eid}/hls/index.m3u8").status_code == 404
    listed = m3u8.loads(anon.get(player["hls"]).text)
    fetched = anon.get(player["hls"].replace("index.m3u8", listed.segments[-1].uri))
    assert fetched.status_code == 200 and len(fetched.content) > 10_000
    poster_url = wait_until(
        lambda: http.get(f"/api/v1/live/events/{eid}/player").json()["data"]["poster"],
        10,
        "a poster",
    )
    poster = anon.get(poster_url)
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert poster.content[:3] == b"\xff\xd8\xff" and "/hls/t/" in poster_url

    # the push stops: off air, the event stays live (reconnect window)
    assert pusher.wait(timeout=30) == 0, pusher.stderr.read()
    wait_until(lambda: not event_of(eid).on_air, 10, "live.off_air")
    assert event_of(eid).state == "live"

    # stop: the worker ends the event; the recording becomes a video, encoded as usual
    http.post(f"/api/v1/live/events/{eid}/stop")
    ended = wait_until(
        lambda: (e := event_of(eid)).state in ("ended", "failed") and e, 20, "live.ended"
    )
    assert ended.state == "ended" and ended.video_id, ended.error_message
    video = wait_until(
        lambda: (v := Video.objects.get(pk=ended.video_id)).status in ("ready", "failed") and v,
        60,
        "the recording's encoding",
    )
    assert video.status == "ready", (video.error_code, video.error_message)
    assert video.owner_id == user.pk and video.title == "Live lecture"
    assert video.visibility == "private"
    assert abs(video.duration - PUSH_SECONDS) <= 1.0, video.duration
    body = http.get(f"/api/v1/live/events/{eid}").json()["data"]
    assert body["state"] == "ended" and body["video_id"] == str(video.id)

    # the key never reached a log (the worker's and ffmpeg's output included)
    captured = capfd.readouterr()
    assert "on air (session 1)" in captured.err  # the worker's log is in there
    assert "refused: wrong_stream_key" in captured.err
    assert key not in captured.out and key not in captured.err


@pytest.mark.media
def test_real_srt_stream_with_the_key_as_passphrase(live_api, user, settings, capfd):
    """SRT ingest: the stream key is the SRT passphrase. A caller with another
    passphrase, or none, is rejected in the SRT handshake: nothing is played or
    recorded; the right one goes on air and the live playlist appears."""
    settings.LIVE_RECONNECT_SECONDS = 120
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)}, timeout=30)
    now = datetime.now(UTC)
    created = http.post(
        "/api/v1/live/events",
        json={
            "title": "SRT lecture",
            "start": (now + timedelta(minutes=5)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "protocol": "srt",
        },
    )
    assert created.status_code == 201, created.text
    eid = created.json()["data"]["id"]
    http.post(f"/api/v1/live/events/{eid}/start")
    wait_until(lambda: event_of(eid).state == "live", 20, "the worker's live.starting")
    ingest = http.get(f"/api/v1/live/events/{eid}").json()["data"]["ingest"]
    key = ingest["stream_key"]
    assert ingest["protocol"] == "srt" and ingest["server"].startswith("srt://")
    assert ingest["url"] == f"{ingest['server']}?passphrase={key}"
    out = Path(settings.MEDIA_ROOT) / "live" / eid

    for bad in (f"{ingest['server']}?passphrase={'x' * len(key)}", ingest["server"]):
        refused = push(bad, 3)
        assert refused.wait(timeout=20) != 0  # rejected in the handshake
    time.sleep(0.5)
    assert list((out / "rec").glob("*")) == [] and list((out / "hls").glob("*")) == []
    assert event_of(eid).on_air is False

    pusher = push(ingest["url"], 5)
    wait_until(lambda: event_of(eid).on_air, 15, "live.on_air")
    hls = http.get(f"/api/v1/live/events/{eid}/player").json()["data"]["hls"]

    def playlist():
        response = http.get(hls)
        return m3u8.loads(response.text) if response.status_code == 200 else None

    first = wait_until(lambda: (p := playlist()) and p.segments and p, 10, "the live playlist")
    segment = http.get(hls.replace("index.m3u8", first.segments[0].uri))
    assert segment.status_code == 200 and len(segment.content) > 1000
    assert pusher.wait(timeout=30) == 0, pusher.stderr.read()
    wait_until(lambda: not event_of(eid).on_air, 15, "live.off_air")

    http.post(f"/api/v1/live/events/{eid}/stop")
    ended = wait_until(
        lambda: (e := event_of(eid)).state in ("ended", "failed") and e, 20, "live.ended"
    )
    assert ended.state == "ended" and ended.video_id, ended.error_message
    captured = capfd.readouterr()
    assert key not in captured.out and key not in captured.err
