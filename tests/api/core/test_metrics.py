"""Prometheus metrics of the API, scraped over HTTP from the metrics port as Prometheus
would, and parsed with prometheus-client's own parser.

- one process (the live test server): the latency histogram by route template, a tus
  upload's bytes, the uploads in flight, encoding jobs and callbacks;
- the API as production serves it (gunicorn, ``api/gunicorn_conf.py``, two uvicorn worker
  processes of ``api.serving`` on ``api.asgi:application``): the master serves the sum of
  both workers on METRICS_PORT, and the API port does not serve metrics.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families
from tusclient import client as tus_client

from api.core.metrics import start_metrics_server
from api.encoding.backends import get_backend
from api.videos.models import VideoStatus
from tests.api.factories import make_video
from tests.conftest import bearer, make_clip

ROOT = Path(__file__).resolve().parents[3]
VIDEO_ROUTE = "/api/v1/videos/<uuidstr:video_id>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """``{(sample name, frozenset(labels)): value}`` of a metrics endpoint."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def metrics_url():
    """This process's registry on a metrics port of its own (what gunicorn's master does
    for its workers)."""
    port = free_port()
    server, thread = start_metrics_server(port, addr="127.0.0.1")
    yield f"http://127.0.0.1:{port}/metrics"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.media
def test_requests_and_a_tus_upload_move_the_metrics(live_api, user, tmp_path, metrics_url):
    clip = make_clip(tmp_path / "clip.mp4", seconds=1)
    token = bearer(user)
    video = make_video(user, status=VideoStatus.DRAFT)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)
    before = scrape(metrics_url)

    for _ in range(3):
        assert http.get(f"/api/v1/videos/{video.id}").status_code == 200
    assert http.get("/api/v1/no-such-thing").status_code == 404
    uploader = tus_client.TusClient(
        f"{live_api.url}/api/v1/uploads/", headers={"Authorization": token}
    ).uploader(
        str(clip), chunk_size=16 * 1024, metadata={"video": str(video.id), "filename": "c.mp4"}
    )
    uploader.upload()
    get_backend().wait_idle(timeout=300)
    after = scrape(metrics_url)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    count = "podv5_http_request_duration_seconds_count"
    # the route template, never the path with the video's id
    assert delta(count, route=VIDEO_ROUTE, method="GET", status="2xx") == 3
    assert delta(count, route="unmatched", method="GET", status="4xx") == 1
    patches = -(-clip.stat().st_size // (16 * 1024))
    upload_route = "/api/v1/uploads/<uuid:upload_id>"
    assert delta(count, route=upload_route, method="PATCH", status="2xx") == patches
    assert delta(count, route="/api/v1/uploads/", method="POST", status="2xx") == 1
    assert not any(str(video.id) in str(labels) for _, labels in after)
    # every observation falls in the +Inf bucket; the sum is a positive duration
    inf = delta(
        "podv5_http_request_duration_seconds_bucket",
        route=VIDEO_ROUTE, method="GET", status="2xx", le="+Inf",
    )  # fmt: skip
    assert inf == 3
    assert delta("podv5_http_request_duration_seconds_sum", route=VIDEO_ROUTE,
                 method="GET", status="2xx") > 0  # fmt: skip

    assert delta("podv5_tus_received_bytes_total") == clip.stat().st_size
    assert value(after, "podv5_tus_uploads_in_flight") == 0
    assert delta("podv5_encoding_jobs_created_total", backend="local") == 1
    # the worker's signed callbacks, as the API applied them
    assert delta("podv5_callbacks_total", type="encoding.succeeded", outcome="applied") == 1
    assert delta("podv5_callbacks_total", type="encoding.running", outcome="applied") == 1


def test_an_upload_being_written_is_in_flight(live_api, user, metrics_url):
    """A PATCH whose body is still arriving counts in ``podv5_tus_uploads_in_flight``."""
    token = bearer(user)
    video = make_video(user, status=VideoStatus.DRAFT)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)
    from tests.api.uploads.conftest import tus_metadata

    created = http.post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "100000",
            "Upload-Metadata": tus_metadata(video=str(video.id), filename="x.mp4"),
        },
    )
    assert created.status_code == 201
    url = urlparse(created.headers["Location"])
    assert value(scrape(metrics_url), "podv5_tus_uploads_in_flight") == 0
    head = (
        f"PATCH {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: {token}\r\n"
        "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
        "Content-Type: application/offset+octet-stream\r\nContent-Length: 50000\r\n\r\n"
    ).encode()
    before = scrape(metrics_url)
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head + b"\0" * 20_000)  # the rest of the body is still to come
        deadline = time.monotonic() + 10
        while value(scrape(metrics_url), "podv5_tus_uploads_in_flight") != 1:
            assert time.monotonic() < deadline, "the PATCH never showed as in flight"
            time.sleep(0.05)
        sock.sendall(b"\0" * 30_000)
        assert b"204" in sock.recv(1024).split(b"\r\n")[0]
    after = scrape(metrics_url)
    assert value(after, "podv5_tus_uploads_in_flight") == 0
    assert (
        value(after, "podv5_tus_received_bytes_total")
        - value(before, "podv5_tus_received_bytes_total")
        == 50_000
    )


def test_callback_rejections_are_counted(live_api, metrics_url):
    before = scrape(metrics_url)
    response = httpx.post(
        f"{live_api.url}/api/v1/internal/callbacks",
        content=b'{"type":"encoding.running","data":{}}',
        headers={
            "content-type": "application/json",
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl",
        },
    )
    assert response.status_code == 401
    code = response.json()["errors"][0]["code"]
    after = scrape(metrics_url)
    assert (
        value(after, "podv5_callback_rejections_total", code=code)
        - value(before, "podv5_callback_rejections_total", code=code)
        == 1
    )


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """The API as deployed (the Dockerfile's CMD, ``make serve``): gunicorn,
    ``api/gunicorn_conf.py``, 2 uvicorn worker processes serving ``api.asgi``, a metrics
    port; on the test database."""
    port, metrics_port = free_port(), free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    (multiproc / "counter_99999.db").write_bytes(b"stale")  # a previous run's: removed
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "api.settings",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "METRICS_PORT": str(metrics_port),
        "METRICS_ADDRESS": "127.0.0.1",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "api/gunicorn_conf.py",
         "api.asgi:application", "--worker-class", "api.serving.UvicornWorker",
         "--timeout", "30", "--graceful-timeout", "30", "--keep-alive", "5",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base, metrics = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, "gunicorn exited during start-up"
        try:
            if httpx.get(f"{base}/healthz").status_code == 200 and httpx.get(metrics):
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "gunicorn did not come up within 60 s"
            time.sleep(0.2)
    yield base, metrics, multiproc
    proc.terminate()
    proc.wait(timeout=30)


def test_gunicorn_workers_are_summed_on_the_metrics_port(gunicorn):
    base, metrics, multiproc = gunicorn
    before = scrape(metrics)
    url = urlparse(base)
    with socket.create_connection((url.hostname, url.port)) as held:
        # a request whose headers are not finished holds no worker (event loops)...
        held.sendall(f"GET /healthz HTTP/1.1\r\nHost: {url.netloc}\r\n".encode())
        time.sleep(0.5)
        for _ in range(20):  # ...the workers answer these meanwhile
            assert httpx.get(f"{base}/healthz").status_code == 200
        held.sendall(b"Connection: close\r\n\r\n")  # and then that one
        assert b" 200 " in held.recv(1024).split(b"\r\n")[0]
    sent = 21

    def healthz(_) -> int:  # a connection of its own: either worker may accept it
        return httpx.get(f"{base}/healthz").status_code

    # until both workers have answered some (which accepts a connection is the kernel's
    # choice): concurrent requests, a bounded number
    while len(list(multiproc.glob("histogram_*.db"))) < 2:
        assert sent < 2000, "one worker answered every request"
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(healthz, range(40))) == {200}
        sent += 40
    after = scrape(metrics)
    labels = {"route": "/healthz", "method": "GET", "status": "2xx"}
    name = "podv5_http_request_duration_seconds_count"
    assert value(after, name, **labels) - value(before, name, **labels) == sent
    # both workers' values are in the sum: one histogram file per worker process
    files = sorted(p.name for p in multiproc.glob("*.db"))
    assert len([f for f in files if f.startswith("histogram_")]) == 2, files
    assert "counter_99999.db" not in files  # a previous run's file was removed at start
    # the public API port has no metrics
    assert httpx.get(f"{base}/metrics").status_code == 404
