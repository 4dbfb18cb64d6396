"""The main job with ``STORAGE_BACKEND=s3`` against a real MinIO: tus upload (tuspy) →
the source lands in the bucket → the local backend's real ``media-encode`` worker
downloads it and publishes its outputs there → the player gets tokened URLs: playlists
come through the API, everything else is a 302 to a presigned GET URL of the object.
And a fault: the S3 server stops while the worker publishes → the job fails with
``storage_error`` and the video is not ready (its master playlist and manifest were never
stored)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from tusclient import client as tus_client

from api.encoding.models import EncodingJob
from api.videos.models import Video
from tests.conftest import bearer, fetch_hls_start, make_clip
from tests.s3.fixtures import use_s3
from tests.s3.minio import StopAfterPuts


def wait_for(video_id, status=("ready", "failed"), timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = Video.objects.get(id=video_id)
        if video.status in status:
            return video
        time.sleep(0.5)
    raise AssertionError(f"video still {video.status} after {timeout} s")


def upload(live_api, user, clip, **video_fields) -> tuple[httpx.Client, dict]:
    token = bearer(user)
    http = httpx.Client(
        base_url=live_api.url, headers={"Authorization": token}, timeout=30, follow_redirects=True
    )
    video = http.post("/api/v1/videos", json={"title": "S3", **video_fields}).json()["data"]
    tus = tus_client.TusClient(
        video["upload"]["url"].replace("http://testserver", live_api.url),
        headers={"Authorization": token},
    )
    tus.uploader(
        str(clip), chunk_size=64 * 1024, metadata={"video": video["id"], "filename": clip.name}
    ).upload()
    return http, video


@pytest.mark.media
def test_upload_encode_play_from_s3(live_api, s3_media, user, tmp_path):
    clip = make_clip(tmp_path / "lecture.mp4", seconds=3, size="320x240")
    http, video = upload(live_api, user, clip, visibility="private")

    ready = wait_for(video["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    prefix = f"videos/{video['id']}/"
    stored = s3_media.keys(prefix)
    source = f"{prefix}source/lecture.mp4"
    assert source in stored
    assert s3_media.client.head_object(Bucket=s3_media.bucket, Key=source)["ContentLength"] == (
        clip.stat().st_size
    )
    job = EncodingJob.objects.get(video_id=video["id"])
    assert job.spec["source"] == f"s3://{s3_media.bucket}/{source}"
    assert job.spec["output"].startswith(f"s3://{s3_media.bucket}/{prefix}encodes/")
    assert ready.output_prefix + "manifest.json" in stored
    assert ready.output_prefix + "hls/master.m3u8" in stored

    player = http.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    master_url = player["hls"]["url"]
    assert master_url.startswith(f"{live_api.url}/media/t/")  # a private video: tokened
    # the playlists come through the API (relative URIs keep the token path segment)
    master = http.get(master_url, follow_redirects=False)
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    variant, segment_url, segment = fetch_hls_start(http, master_url)
    assert segment_url.startswith(f"{live_api.url}/media/t/")

    # segments: a redirect to a short-lived presigned URL of the object in MinIO
    redirect = http.get(segment_url, follow_redirects=False)
    assert redirect.status_code == 302
    location = urlparse(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == s3_media.server.endpoint
    assert location.path.startswith(f"/{s3_media.bucket}/{ready.output_prefix}hls/")
    query = parse_qs(location.query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert redirect.headers["cache-control"] == "private, max-age=150"
    assert httpx.get(redirect.headers["location"]).content == segment

    # Range requests go to S3 through the redirect
    partial = http.get(player["mp4"][0]["url"], headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and len(partial.content) == 100
    assert http.get(player["poster"]).headers["content-type"] == "image/jpeg"

    # a bad token is refused before anything is signed; the source is never served
    bad = segment_url.replace("/media/t/", "/media/t/1.AAAA", 1)
    assert http.get(bad, follow_redirects=False).status_code == 403
    token_path = master_url.split("/videos/")[0]
    assert http.get(f"{token_path}/{source}", follow_redirects=False).status_code in (403, 404)

    # a caption track is stored in the bucket and served the same way
    vtt = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"
    posted = http.post(
        f"/api/v1/videos/{video['id']}/tracks",
        data={"lang": "en", "kind": "captions"},
        files={"file": ("en.vtt", vtt)},
    )
    assert posted.status_code in (200, 201), posted.text
    assert [k for k in s3_media.keys(f"{prefix}captions/") if k.endswith(".vtt")]
    player = http.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    track = http.get(player["tracks"][0]["url"], follow_redirects=False)
    assert track.status_code == 302
    assert httpx.get(track.headers["location"]).content.startswith(b"WEBVTT")

    # deleting the video deletes its objects
    assert http.delete(f"/api/v1/videos/{video['id']}").status_code in (200, 204)
    deadline = time.monotonic() + 10
    while s3_media.keys(prefix) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert s3_media.keys(prefix) == []


@pytest.mark.media
def test_s3_stopping_while_the_worker_publishes_fails_the_job(
    live_api, settings, monkeypatch, minio_factory, user, tmp_path
):
    server = minio_factory()
    bucket = "podv5-fault"
    server.client().create_bucket(Bucket=bucket)
    # the worker reaches S3 through a proxy that stops the server after 3 uploads of
    # outputs (the API uploads the source directly)
    proxy = StopAfterPuts(server.port, f"/{bucket}/videos/", 3, server.kill)
    s3 = use_s3(
        settings,
        monkeypatch,
        server,
        bucket,
        S3_ENDPOINT_URL=proxy.endpoint,
        S3_MAX_ATTEMPTS="2",
        S3_CONNECT_TIMEOUT="1",
        S3_READ_TIMEOUT="5",
        S3_MAX_CONCURRENCY="2",
    )
    try:
        clip = make_clip(tmp_path / "lecture.mp4", seconds=4, size="320x240")
        http, video = upload(live_api, user, clip)
        failed = wait_for(video["id"])
    finally:
        proxy.close()
    assert proxy.triggered.is_set()
    assert failed.status == "failed" and failed.error_code == "storage_error"
    job = EncodingJob.objects.get(video_id=video["id"])
    assert job.phase == "Failed" and job.reason == "storage_error"
    assert "could not publish" in job.message
    player = http.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    assert player["status"] == "failed" and player["hls"] is None

    server.start()  # back: nothing that marks an output complete was stored
    outputs = s3.keys(f"videos/{video['id']}/encodes/")
    assert outputs, "the server should have stopped mid-publish, after some uploads"
    assert not [k for k in outputs if k.endswith(("master.m3u8", "manifest.json"))], outputs
