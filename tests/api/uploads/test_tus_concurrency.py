"""One writer per upload at a time, over real HTTP: a PATCH that arrives while another
streams gets 423 and the file is never corrupted."""

import base64
import threading
import time

import httpx
import pytest

from api.uploads.models import Upload
from tests.api.uploads.tus_http import tus_patch
from tests.conftest import bearer


def slow_body(parts: list[bytes], started: threading.Event, delay: float):
    for i, part in enumerate(parts):
        yield part
        if i == 0:
            started.set()
        time.sleep(delay)


@pytest.fixture
def upload_url(live_api, user):
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)})
    video = http.post("/api/v1/videos", json={"title": "race"}).json()["data"]
    created = http.post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000000",
            "Upload-Metadata": "video " + base64.b64encode(video["id"].encode()).decode(),
        },
    )
    assert created.status_code == 201
    return http, created.headers["Location"]


def test_concurrent_patch_is_locked_out(upload_url):
    http, url = upload_url
    first_parts = [b"A" * 10_000 for _ in range(5)]
    started, results = threading.Event(), {}

    def first_writer():
        results["first"] = tus_patch(http, url, 0, slow_body(first_parts, started, 0.3), 50_000)

    writer = threading.Thread(target=first_writer)
    writer.start()
    assert started.wait(10)
    time.sleep(0.2)
    second = tus_patch(http, url, 0, b"B" * 20_000, 20_000)
    writer.join(30)

    assert second.status_code == 423, second.text
    assert second.json()["errors"][0]["code"] == "upload_locked"
    assert results["first"].status_code == 204
    assert results["first"].headers["Upload-Offset"] == "50000"
    upload = Upload.objects.get()
    assert upload.offset == 50_000
    assert upload.spool_path.read_bytes() == b"A" * 50_000  # nothing of B interleaved

    # once the first writer is done, the next PATCH at the new offset goes through
    third = tus_patch(http, url, 50_000, b"C" * 10, 10)
    assert third.status_code == 204 and third.headers["Upload-Offset"] == "50010"


def test_head_during_a_write_sees_the_persisted_offset(upload_url):
    """The offset is persisted while a long body streams (every 16 MiB or 5 s), so a
    client that lost its connection resumes from near where it was."""
    http, url = upload_url
    parts = [b"A" * (20 << 20), b"A" * (1 << 20)]
    total = sum(map(len, parts))
    Upload.objects.update(length=total)
    started, results = threading.Event(), {}

    def writer():
        results["r"] = tus_patch(http, url, 0, slow_body(parts, started, 2), total)

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(10)
    time.sleep(1)
    head = http.head(url, headers={"Tus-Resumable": "1.0.0"})
    thread.join(60)
    assert head.status_code == 200
    assert 16 << 20 <= int(head.headers["Upload-Offset"]) < total
    assert results["r"].status_code == 415  # the bytes are not media: probed at the end
