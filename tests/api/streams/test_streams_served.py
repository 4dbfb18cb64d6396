"""Server-Sent Events through the API served as ``make serve`` runs it (gunicorn +
uvicorn worker, a real process on loopback) with a real encode of a tiny clip by the
local backend's worker. Its database: on a PostgreSQL run (``DATABASE_URL``, as under
``make test``) a database of its own on that server, so the events come through
LISTEN/NOTIFY; otherwise SQLite in a temporary folder, polled:

- a stream follows a video from draft to ready (upload.created, processing, progress,
  ready), then ends; Last-Event-ID resumes it;
- a private video's stream is refused without rights; EventSource's ?token= works, a
  forged or another stream's token does not;
- a live event's stream sees it end;
- 50 idle streams leave /healthz and the API answering; heartbeats flow; past
  SSE_MAX_STREAMS a stream is refused 503, and a closed stream frees its place."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from tusclient import client as tus_client

from tests.api.streams.sse import messages
from tests.conftest import make_clip

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
from demo import start_server, wait_until_up  # noqa: E402

MAX_STREAMS = 60
READ = httpx.Timeout(10, read=120)


@contextlib.contextmanager
def server_database():
    """The server's DATABASE_URL: a fresh PostgreSQL database next to the tests' when they
    run on PostgreSQL (dropped afterwards), else "" (SQLite under POD_VAR_DIR)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield ""
        return
    import psycopg

    parts = urlsplit(url)
    name = f"podv5_sse_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of the API in a process of its own (one worker)."""
    with server_database() as database_url:
        yield from _serve(tmp_path_factory, database_url)


def _serve(tmp_path_factory, database_url: str):
    tmp = tmp_path_factory.mktemp("sse")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "POD_VAR_DIR": str(tmp / "var"),
        "API_BASE_URL": base,
        "ENCODING_BACKEND": "local",
        "LIVE_BACKEND": "local",
        "LIVE_SCHEDULER": "0",
        "WEBHOOK_SENDER": "0",
        "SSE_HEARTBEAT_SECONDS": "1",
        "SSE_MAX_STREAMS": str(MAX_STREAMS),
        "MEDIA_ENCODE_X264_PRESET": "ultrafast",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    for name in ("up", "other"):
        subprocess.run(
            [py, "manage.py", "ensure_user", "--username", name, "--password", f"{name}-pw-1",
             "--role", "uploader"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
    proc = start_server(port, env)
    try:
        wait_until_up(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=40)


def login(base: str, name: str = "up") -> dict:
    token = httpx.post(
        f"{base}/api/v1/auth/token/pair",
        json={"username": name, "password": f"{name}-pw-1"},
        timeout=30,
    ).json()["data"]["access"]
    return {"Authorization": f"Bearer {token}"}


def new_video(base: str, auth: dict, **fields) -> str:
    created = httpx.post(
        f"{base}/api/v1/videos", json={"title": "sse", **fields}, headers=auth, timeout=30
    )
    assert created.status_code == 201, created.text
    return created.json()["data"]["id"]


def upload(base: str, auth: dict, video_id: str, clip: Path) -> None:
    tus_client.TusClient(f"{base}/api/v1/uploads/", headers=auth).uploader(
        str(clip), metadata={"video": video_id, "filename": clip.name}, chunk_size=1 << 20
    ).upload()


def events_of(response) -> list:
    """Every message (not comments, not the bare ``retry``) until the stream ends."""
    return [m for m in messages(response) if m.comment is None and m.data]


@pytest.fixture(scope="module")
def encoded(server, tmp_path_factory):
    """A video followed by a stream from draft to ready: (video id, its messages)."""
    auth = login(server)
    clip = make_clip(tmp_path_factory.mktemp("clip") / "tiny.mp4", seconds=2, size="160x120")
    video_id = new_video(server, auth, visibility="private")
    got, uploader = [], None
    url = f"{server}/api/v1/videos/{video_id}/events"
    with httpx.stream("GET", url, headers=auth, timeout=READ) as response:
        assert response.status_code == 200, response.read()
        got.append(response)
        for message in messages(response):
            if message.comment is not None or not message.data:
                continue
            got.append(message)
            if message.event == "video.status":  # the snapshot: now upload
                uploader = threading.Thread(target=upload, args=(server, auth, video_id, clip))
                uploader.start()
    uploader.join(timeout=60)
    return video_id, got[0], got[1:]


def test_a_stream_follows_a_real_encode_from_draft_to_ready(encoded):
    video_id, response, got = encoded
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    assert "no-cache" in response.headers["cache-control"]
    types = [m.event for m in got]
    assert types[0] == "video.status" and got[0].json["data"]["status"] == "draft"
    assert types[1:3] == ["upload.created", "video.processing"], types
    assert "video.progress" in types
    assert types[-1] == "video.ready", types  # and then the server ended the stream
    ready = got[-1].json
    assert ready["type"] == "video.ready" and ready["data"]["id"] == video_id
    assert ready["data"]["status"] == "ready" and 1.5 < ready["data"]["duration"] < 2.5
    progress = [m.json["data"]["progress"] for m in got if m.event == "video.progress"]
    assert progress == sorted(progress) and all(0 <= p < 100 for p in progress)
    ids = [int(m.id) for m in got]
    assert ids == sorted(ids) and len(set(ids[1:])) == len(ids) - 1


def test_last_event_id_resumes_after_that_event(server, encoded):
    video_id, _, got = encoded
    auth = login(server)
    url = f"{server}/api/v1/videos/{video_id}/events"
    upload_created = next(m for m in got if m.event == "upload.created")
    resumed = {**auth, "Last-Event-ID": upload_created.id}
    with httpx.stream("GET", url, headers=resumed, timeout=READ) as response:
        again = events_of(response)
    after = [m for m in got if int(m.id) > int(upload_created.id) and m.event != "video.status"]
    assert [(m.id, m.event, m.json) for m in again] == [(m.id, m.event, m.json) for m in after]
    # resuming after the end: where it stands (ready), then the end
    with httpx.stream("GET", url, headers={**auth, "Last-Event-ID": got[-1].id}) as response:
        (status,) = events_of(response)
    assert status.event == "video.status" and status.json["data"]["status"] == "ready"
    # a Last-Event-ID that is not an event id
    bad = httpx.get(url, headers={**auth, "Last-Event-ID": "12a"}, timeout=10)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "Last-Event-ID"


def test_a_private_video_stream_needs_rights_and_eventsource_tokens_work(server, encoded):
    video_id, _, _ = encoded
    url = f"{server}/api/v1/videos/{video_id}/events"
    for headers in ({}, login(server, "other")):  # anonymous, another user: 404 as hidden
        refused = httpx.get(url, headers=headers, timeout=10)
        assert refused.status_code == 404, refused.text
        assert refused.json()["errors"][0]["code"] == "not_found"
    forged = httpx.get(url, headers={"Authorization": "Bearer not.a.jwt"}, timeout=10)
    assert forged.status_code == 401
    # EventSource cannot send headers: the owner asks for a token, the URL carries it
    other_token = httpx.post(f"{url}/token", headers=login(server, "other"), timeout=10)
    assert other_token.status_code == 404
    issued = httpx.post(f"{url}/token", headers=login(server), timeout=10).json()["data"]
    assert issued["url"].startswith(url + "?token=")
    with httpx.stream("GET", issued["url"], timeout=READ) as response:
        (status,) = events_of(response)  # ready: the snapshot, then the end
    assert status.json["data"]["status"] == "ready"
    token = issued["token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_video = new_video(server, login(server))
    for bad_url in (
        f"{url}?token={tampered}",
        f"{server}/api/v1/videos/{other_video}/events?token={token}",  # another stream's
        f"{url}?token=garbage",
    ):
        refused = httpx.get(bad_url, timeout=10)
        assert refused.status_code == 403, (bad_url, refused.text)
        assert refused.json()["errors"][0]["code"] == "invalid_stream_token"


def test_a_live_event_stream_sees_it_end(server):
    auth = login(server)
    now = datetime.now(UTC)
    created = httpx.post(
        f"{server}/api/v1/live/events",
        json={
            "title": "talk",
            "start": (now + timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(hours=2)).isoformat(),
            "auto_start": False,
        },
        headers=auth,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["data"]["id"]
    got = []

    def stop_after_snapshot(response):
        for message in messages(response):
            if message.data:
                got.append(message)
                if message.event == "live.status":
                    stopped = httpx.post(
                        f"{server}/api/v1/live/events/{event_id}/stop", headers=auth, timeout=30
                    )
                    assert stopped.status_code == 200, stopped.text

    with httpx.stream(
        "GET", f"{server}/api/v1/live/{event_id}/events", timeout=READ
    ) as response:  # public: anonymous may follow it
        assert response.status_code == 200
        stop_after_snapshot(response)
    assert [m.event for m in got] == ["live.status", "live.ended"]
    assert got[0].json["data"]["state"] == "scheduled"
    assert got[1].json["data"] | {"state": "ended", "on_air": False} == got[1].json["data"]


def open_stream(port: int, path: str, headers: dict) -> tuple[socket.socket, bytes]:
    """A raw connection holding a stream open: (socket, what arrived up to the first
    blank line after the headers)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{lines}\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, head
        head += chunk
    return sock, head


def test_idle_streams_tie_up_no_worker_and_are_capped(server):
    auth = login(server)
    port = int(server.rsplit(":", 1)[1])
    video_id = new_video(server, auth)  # a draft: its stream stays open
    path = f"/api/v1/videos/{video_id}/events"
    sockets = []
    try:
        for _ in range(50):
            sock, head = open_stream(port, path, auth)
            assert head.startswith(b"HTTP/1.1 200 "), head
            sockets.append(sock)
        latencies = []
        for _ in range(20):
            started = time.perf_counter()
            assert httpx.get(f"{server}/healthz", timeout=2).status_code == 200
            latencies.append((time.perf_counter() - started) * 1000)
        shown = httpx.get(f"{server}/api/v1/videos/{video_id}", headers=auth, timeout=5)
        assert shown.status_code == 200
        print(
            f"/healthz with 50 open streams: p50 {statistics.median(latencies):.1f} ms, "
            f"max {max(latencies):.1f} ms"
        )
        # heartbeats keep idle streams (and the proxies in front) alive
        sockets[0].settimeout(5)
        seen = b""
        while b": ping" not in seen:
            chunk = sockets[0].recv(4096)
            assert chunk, seen
            seen += chunk
        for _ in range(MAX_STREAMS - 50):
            sock, head = open_stream(port, path, auth)
            assert head.startswith(b"HTTP/1.1 200 "), head
            sockets.append(sock)
        refused = httpx.get(f"{server}{path}", headers=auth, timeout=5)
        assert refused.status_code == 503 and refused.headers["retry-after"]
        assert refused.json()["errors"][0]["code"] == "too_many_streams"
        sockets.pop().close()  # a client goes away: its place is free again
        deadline = time.monotonic() + 10
        while True:
            with httpx.stream("GET", f"{server}{path}", headers=auth, timeout=5) as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed stream's place never came back"
            time.sleep(0.2)
    finally:
        for sock in sockets:
            sock.close()
