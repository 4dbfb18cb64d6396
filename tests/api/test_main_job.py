"""The main job end to end over HTTP: the stock tus client (tuspy) uploads in chunks,
the upload is interrupted mid-request and resumed, the local backend runs the real
``media-encode`` worker, its signed callbacks arrive, the video is ready, and its HLS
master playlist and a segment are fetched through the server."""

import socket
import time
from urllib.parse import urlparse

import httpx
import pytest
from tusclient import client as tus_client

from api.videos.models import Video
from tests.conftest import bearer, fetch_hls_start, make_clip


def cut_patch(url: str, token: str, offset: int, body: bytes, send: int) -> None:
    """A PATCH whose connection drops after ``send`` of ``len(body)`` bytes."""
    parts = urlparse(url)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: {token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(head + body[:send])
        time.sleep(0.3)


def wait_for(video_id, status=("ready", "failed"), timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = Video.objects.get(id=video_id)
        if video.status in status:
            return video
        time.sleep(0.5)
    raise AssertionError(f"video still {video.status} after {timeout} s")


@pytest.mark.media
def test_upload_interrupt_resume_encode_play(live_api, user, tmp_path):
    clip = make_clip(tmp_path / "lecture.mp4", seconds=5, size="640x360")
    data = clip.read_bytes()
    token = bearer(user)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)

    video = http.post("/api/v1/videos", json={"title": "Lecture"}).json()["data"]
    tus = tus_client.TusClient(
        video["upload"]["url"].replace("http://testserver", live_api.url),
        headers={"Authorization": token},
    )
    first = tus.uploader(
        str(clip),
        chunk_size=32 * 1024,
        upload_checksum=True,
        metadata={"video": video["id"], "filename": "lecture.mp4"},
    )
    first.upload_chunk()
    first.upload_chunk()
    assert first.offset == 64 * 1024

    # the connection drops in the middle of a PATCH: the bytes received are kept
    cut_patch(first.url, token, first.offset, data[first.offset : first.offset + 40_000], 25_000)
    for _ in range(50):  # the server notices the drop when the socket closes
        state = http.get(urlparse(first.url).path).json()["data"]
        if state["offset"] > first.offset:
            break
        time.sleep(0.1)
    assert state["offset"] == 64 * 1024 + 25_000
    assert Video.objects.get(id=video["id"]).status == "uploading"

    # a new client resumes from the server's offset (HEAD) and finishes
    resumed = tus.uploader(str(clip), url=first.url, chunk_size=256 * 1024)
    assert resumed.offset == state["offset"]
    resumed.upload()

    ready = wait_for(video["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    assert abs(ready.duration - 5.0) < 0.2
    body = http.get(f"/api/v1/videos/{video['id']}").json()["data"]
    assert body["encoding"]["phase"] == "Succeeded" and body["encoding"]["progress"] == 100
    assert [r["height"] for r in body["renditions"]] == [360]

    player = http.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    assert player["status"] == "ready" and player["poster"] and player["storyboard"]["vtt"]
    assert player["mp4"] and player["tracks"] == [] and player["chapters"] == []
    master_url = player["hls"]["url"]
    _, segment_url, segment = fetch_hls_start(http, master_url)
    partial = http.get(segment_url, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and len(partial.content) == 100
    assert partial.headers["Content-Range"].endswith(f"/{len(segment)}")
    assert http.get(player["poster"]).headers["content-type"] == "image/jpeg"
