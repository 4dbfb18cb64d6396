"""Who may write an upload, and what a writer that lost its lease may still write.

- a co-owner removed from a video can no longer touch the upload they started;
- writer A stalls past its lease, writer B takes the upload over, A resumes: A gets 423
  and none of its bytes reach the file (real HTTP through a live server)."""

import base64
import threading
import time

import httpx
import pytest

from api.uploads.models import Upload
from tests.api.uploads.conftest import TusClient
from tests.api.uploads.tus_http import tus_patch
from tests.conftest import bearer


def test_a_removed_co_owner_can_no_longer_write_head_or_delete_the_upload(other_user, alice):
    video = alice.post_json(
        "/api/v1/videos", {"title": "shared", "additional_owners": ["bob"]}
    ).json()["data"]
    bob = TusClient(other_user)
    created = bob.create(video["id"], 20)
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert bob.patch_bytes(url, 0, b"B" * 5).status_code == 204

    changed = alice.patch_json(f"/api/v1/videos/{video['id']}", {"additional_owners": []})
    assert changed.status_code == 200, changed.content

    patched = bob.patch_bytes(url, 5, b"B" * 5)
    assert patched.status_code in (403, 404), patched.content
    assert patched.json()["status"] == "error"
    assert bob.head_upload(url).status_code in (403, 404)
    assert bob.delete(url, HTTP_TUS_RESUMABLE="1.0.0").status_code in (403, 404)
    upload = Upload.objects.get()
    assert upload.offset == 5 and upload.spool_path.read_bytes() == b"B" * 5


@pytest.mark.django_db(transaction=True)
def test_a_writer_that_lost_its_lease_gets_423_and_writes_nothing(live_api, settings, user):
    settings.UPLOAD_LOCK_SECONDS = 1
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)})
    video = http.post("/api/v1/videos", json={"title": "lease"}).json()["data"]
    created = http.post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "30000",
            "Upload-Metadata": "video " + base64.b64encode(video["id"].encode()).decode(),
        },
    )
    url = created.headers["Location"]
    sent_first, resume, results = threading.Event(), threading.Event(), {}

    def stalling_body():
        yield b"A" * 10_000
        sent_first.set()
        assert resume.wait(30)  # stalls past the 1 s lease meanwhile
        yield b"A" * 10_000

    def writer_a():
        results["a"] = tus_patch(http, url, 0, stalling_body(), 20_000)

    thread = threading.Thread(target=writer_a)
    thread.start()
    assert sent_first.wait(10)
    time.sleep(2.5)  # A's lease (1 s) has lapsed: B may take over
    head = http.head(url, headers={"Tus-Resumable": "1.0.0"})
    b = tus_patch(http, url, int(head.headers["Upload-Offset"]), b"B" * 15_000, 15_000)
    resume.set()
    thread.join(30)

    assert b.status_code == 204, b.text
    assert results["a"].status_code == 423, results["a"].text
    assert results["a"].json()["errors"][0]["code"] == "upload_locked"
    upload = Upload.objects.get()
    assert upload.offset == 15_000
    assert upload.spool_path.read_bytes() == b"B" * 15_000  # nothing of A's stale bytes
    # and the upload goes on from B's offset
    assert tus_patch(http, url, 15_000, b"C" * 10, 10).headers["Upload-Offset"] == "15010"


def test_the_video_answer_does_not_suggest_a_fake_file_name(alice):
    video = alice.post_json("/api/v1/videos", {"title": "named"}).json()["data"]
    metadata = video["upload"]["metadata"]
    assert metadata == {"video": video["id"]}  # what to send as is; filename is the client's
    assert "<" not in str(video["upload"])
