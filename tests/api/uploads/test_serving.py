"""The API served as ``make serve`` runs it (gunicorn + api.serving.UvicornWorker, a real
process on loopback, SQLite in a temporary folder), against clients that stall:

- dozens of connections stuck in their headers or their bodies do not keep /healthz
  or a login from answering;
- a body that stalls past ``UPLOAD_BODY_STALL_SECONDS`` is answered 408 and closed, and
  the tus upload it was writing keeps the bytes that arrived;
- headers that never end are answered 408 and closed;
- a tus upload with the stock client (tuspy) streams through the ASGI path intact."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tusclient import client as tus_client

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
from demo import start_server, wait_until_up  # noqa: E402

STALL_SECONDS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, spool folder) of the API in a process of its own."""
    tmp = tmp_path_factory.mktemp("serving")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "",
        "POD_VAR_DIR": str(tmp / "var"),
        "API_BASE_URL": base,
        "ENCODING_BACKEND": "local",
        "UPLOAD_BODY_STALL_SECONDS": str(STALL_SECONDS),
        "REQUEST_HEADER_TIMEOUT_SECONDS": str(STALL_SECONDS),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [py, "manage.py", "ensure_user", "--username", "up", "--password", "up-pw-1",
         "--role", "uploader"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    proc = start_server(port, env)
    try:
        wait_until_up(base, proc)
        yield base, tmp / "var" / "media" / "uploads"
    finally:
        proc.terminate()
        proc.wait(timeout=40)


def login(base: str) -> dict:
    token = httpx.post(
        f"{base}/api/v1/auth/token/pair",
        json={"username": "up", "password": "up-pw-1"},
        timeout=30,
    ).json()["data"]["access"]
    return {"Authorization": f"Bearer {token}"}


def stalled(port: int, count: int, *, body: bool) -> list[socket.socket]:
    """``count`` connections that send part of a request and then nothing."""
    partial = (
        b"POST /api/v1/auth/token/pair HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1'
        if body
        else b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    )
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(partial)
        sockets.append(sock)
    return sockets


def read_answer(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (or ``timeout``)."""
    sock.settimeout(timeout)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_healthz_and_login_answer_while_dozens_of_clients_stall(server):
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    sockets = stalled(port, 24, body=False) + stalled(port, 24, body=True)
    try:
        for _ in range(5):
            assert httpx.get(f"{base}/healthz", timeout=4).status_code == 200
        assert login(base)["Authorization"].startswith("Bearer ")
    finally:
        for sock in sockets:
            sock.close()


def test_headers_that_never_end_are_answered_408_and_closed(server):
    base, _ = server
    (sock,) = stalled(int(base.rsplit(":", 1)[1]), 1, body=False)
    with sock:
        answer = read_answer(sock, STALL_SECONDS + 10)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b'"request_timeout"' in answer


def new_upload(base: str, auth: dict, length: int) -> str:
    video = httpx.post(f"{base}/api/v1/videos", json={"title": "t"}, headers=auth).json()
    created = httpx.post(
        f"{base}/api/v1/uploads/",
        headers={
            **auth,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(length),
            "Upload-Metadata": "video " + base64.b64encode(video["data"]["id"].encode()).decode(),
        },
    )
    assert created.status_code == 201, created.text
    return created.headers["Location"]


def test_a_stalled_tus_body_is_answered_408_and_keeps_what_arrived(server):
    base, spool = server
    auth = login(base)
    url = new_upload(base, auth, 1000)
    path = url.split(base, 1)[1]
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: {auth['Authorization']}\r\nUpload-Offset: 0\r\n"
            "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n".encode()
            + b"x" * 300
        )
        answer = read_answer(sock, STALL_SECONDS + 10)  # closed by the server
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b'"request_timeout"' in answer and b"connection: close" in answer.lower()
    head = httpx.head(url, headers={**auth, "Tus-Resumable": "1.0.0"})
    assert head.headers["Upload-Offset"] == "300"
    upload_id = url.rsplit("/", 1)[1]
    assert (spool / f"{upload_id}.part").read_bytes() == b"x" * 300
    # the client resumes where the server says
    resumed = httpx.patch(
        url,
        content=b"y" * 100,
        headers={
            **auth,
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "300",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert resumed.status_code == 204 and resumed.headers["Upload-Offset"] == "400"


def test_tuspy_upload_streams_intact_through_the_asgi_path(server, tmp_path):
    base, spool = server
    auth = login(base)
    data = os.urandom(5 * 1024 * 1024 + 123)
    source = tmp_path / "blob.bin"
    source.write_bytes(data)
    url = new_upload(base, auth, len(data) + 1)  # one byte short of the end: not probed
    uploader = tus_client.TusClient(base + "/api/v1/uploads/", headers=auth).uploader(
        str(source), url=url, chunk_size=2 * 1024 * 1024, upload_checksum=True
    )
    uploader.upload()
    head = httpx.head(url, headers={**auth, "Tus-Resumable": "1.0.0"})
    assert head.headers["Upload-Offset"] == str(len(data))
    stored = (spool / f"{url.rsplit('/', 1)[1]}.part").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
