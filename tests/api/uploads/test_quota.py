"""Storage quotas at upload time: what a video weighs (its source and its encoded
outputs, as stored), and tus uploads that would take the video's owner past their
quota refused with 413 ``quota_exceeded`` before any byte is stored — at creation for a
known Upload-Length, at the PATCH that would cross it for a deferred one (tus
creation-defer-length)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.db import connections as db_connections
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from api.uploads.models import Upload
from api.videos.models import Video
from tests.api.factories import make_video
from tests.api.test_main_job import wait_for
from tests.api.uploads.conftest import TusClient, tus_metadata
from tests.conftest import ApiClient, bearer, make_clip

pytestmark = pytest.mark.django_db

#: the Content-Type of tus PATCH bodies (the test client sets none for an empty body)
OFFSET = "application/offset+octet-stream"


def stored_files(media_root: Path, video_id) -> dict[str, int]:
    """Every file stored for a video: relative path → bytes."""
    root = media_root / "videos" / str(video_id)
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def spooled(settings) -> list[Path]:
    spool = Path(settings.UPLOAD_SPOOL_DIR)
    return list(spool.iterdir()) if spool.exists() else []


def quota_error(response) -> dict:
    assert response.status_code == 413, response.content
    error = response.json()["errors"][0]
    assert error["code"] == "quota_exceeded"
    return error


# --- with the stock tus client and the real encoder ----------------------------------


@pytest.mark.media
def test_usage_is_source_plus_outputs_and_past_it_nothing_is_stored(
    live_api, user, staff_user, settings, tmp_path
):
    clip = make_clip(tmp_path / "lecture.mp4", seconds=2, size="320x240")
    size = clip.stat().st_size
    token = bearer(user)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)
    staff = httpx.Client(
        base_url=live_api.url, headers={"Authorization": bearer(staff_user)}, timeout=30
    )

    def me() -> dict:
        return http.get("/api/v1/users/me").json()["data"]["quota"]

    def upload(video: dict):
        tus_client.TusClient(
            video["upload"]["url"].replace("http://testserver", live_api.url),
            headers={"Authorization": token},
        ).uploader(
            str(clip), chunk_size=1 << 20, metadata={"video": video["id"], "filename": "a.mp4"}
        ).upload()

    settings.USER_QUOTA_SIZE_GB = 1
    assert me() == {"used_bytes": 0, "limit_bytes": 10**9}
    first = http.post("/api/v1/videos", json={"title": "First"}).json()["data"]
    upload(first)
    ready = wait_for(first["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)

    files = stored_files(settings.MEDIA_ROOT, first["id"])
    sources = {name: n for name, n in files.items() if name.startswith("source/")}
    outputs = {
        name: n
        for name, n in files.items()
        if name.startswith("encodes/") and not name.endswith("manifest.json")
    }
    assert list(sources.values()) == [size]
    assert len(outputs) > 5  # playlists, segments, MP4, poster, storyboard
    used = me()["used_bytes"]
    assert used == size + sum(outputs.values())  # every stored byte but manifest.json

    # room for less than one more source: refused at creation, nothing stored
    settings.USER_QUOTA_SIZE_GB = 0
    patch = staff.patch(f"/api/v1/users/{user.pk}", json={"quota_bytes": used + size - 1})
    assert patch.json()["data"]["quota"] == {"used_bytes": used, "limit_bytes": used + size - 1}
    second = http.post("/api/v1/videos", json={"title": "Second"}).json()["data"]
    with pytest.raises(TusCommunicationError) as refused:
        upload(second)
    assert refused.value.status_code == 413
    assert b'"quota_exceeded"' in refused.value.response_content
    assert not Upload.objects.filter(video_id=second["id"]).exists()
    assert stored_files(settings.MEDIA_ROOT, second["id"]) == {}
    assert spooled(settings) == []
    assert Video.objects.get(id=second["id"]).status == "draft"
    assert me()["used_bytes"] == used

    # exactly enough room for the source: accepted; its outputs then take the usage past
    # the quota (they are not known in advance), and the next upload is refused
    staff.patch(f"/api/v1/users/{user.pk}", json={"quota_bytes": used + size})
    upload(second)
    assert wait_for(second["id"]).status == "ready"
    after = me()
    assert after["used_bytes"] > after["limit_bytes"] == used + size
    third = http.post("/api/v1/videos", json={"title": "Third"}).json()["data"]
    with pytest.raises(TusCommunicationError) as refused:
        upload(third)
    assert refused.value.status_code == 413

    # deleting a video gives its bytes back
    http.delete(f"/api/v1/videos/{first['id']}")
    assert me()["used_bytes"] == after["used_bytes"] - used


# --- known length (Upload-Length) ------------------------------------------------------


def test_creation_with_upload_past_the_quota_stores_no_byte(tus, user, video, settings):
    user.quota_bytes = 100
    user.save()
    response = tus.create(video["id"], 101, body=b"x" * 101)
    error = quota_error(response)
    assert "0 of 100 bytes used" in error["message"]
    assert not Upload.objects.exists() and spooled(settings) == []
    assert tus.create(video["id"], 100).status_code == 201


def test_uploads_in_progress_reserve_their_length(tus, alice, user, video):
    user.quota_bytes = 1000
    user.save()
    other = alice.post_json("/api/v1/videos", {"title": "Other"}).json()["data"]
    assert tus.create(video["id"], 700).status_code == 201
    error = quota_error(tus.create(other["id"], 400))
    assert "700 reserved by uploads in progress" in error["message"]
    assert tus.create(other["id"], 300).status_code == 201
    # a new upload of the same video replaces its unfinished one: only the other counts
    assert tus.create(video["id"], 700).status_code == 201
    quota_error(tus.create(video["id"], 701))


def test_a_new_source_replaces_the_old_one_in_the_count(tus, user, settings):
    settings.USER_QUOTA_SIZE_GB = 1e-6  # 1000 bytes
    failed = make_video(user, status="failed")
    failed.source_size = 800
    failed.save()
    fresh = make_video(user, status="draft")
    quota_error(tus.create(fresh.id, 300))  # 800 + 300 > 1000
    assert tus.create(failed.id, 900).status_code == 201  # replaces its 800


def test_the_owners_quota_applies_whoever_uploads(user, staff_user, video, settings):
    user.quota_bytes = 50
    user.save()
    quota_error(TusClient(staff_user).create(video["id"], 51))


# --- deferred length (Upload-Defer-Length: 1) ------------------------------------------


def create_deferred(tus, video_id, **headers):
    """tus creation without Upload-Length: ``Upload-Defer-Length: 1``."""
    return tus.generic(
        "POST",
        "/api/v1/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_METADATA=tus_metadata(video=str(video_id), filename="clip.mp4"),
        **{"HTTP_UPLOAD_DEFER_LENGTH": "1", **headers},
    )


def test_a_deferred_upload_is_refused_at_the_patch_that_would_cross_the_quota(
    tus, user, video, settings
):
    user.quota_bytes = 1000
    user.save()
    created = create_deferred(tus, video["id"])
    assert created.status_code == 201, created.content
    url = created["Location"]
    head = tus.head_upload(url)
    assert head["Upload-Defer-Length"] == "1" and "Upload-Length" not in head
    assert tus.patch_bytes(url, 0, b"a" * 600).status_code == 204

    quota_error(tus.patch_bytes(url, 600, b"b" * 401))
    upload = Upload.objects.get()
    assert upload.offset == 600 and upload.length is None
    assert upload.spool_path.stat().st_size == 600
    assert upload.spool_path.read_bytes() == b"a" * 600

    quota_error(tus.patch_bytes(url, 600, b"", CONTENT_TYPE=OFFSET, HTTP_UPLOAD_LENGTH="1001"))
    assert Upload.objects.get().length is None
    below = tus.patch_bytes(url, 600, b"", CONTENT_TYPE=OFFSET, HTTP_UPLOAD_LENGTH="599")
    assert below.status_code == 400
    assert tus.patch_bytes(url, 600, b"b" * 400).status_code == 204  # exactly the quota


def test_a_deferred_upload_completes_once_its_length_is_sent(tus, user, video, clip, settings):
    data = clip.read_bytes()
    user.quota_bytes = len(data)
    user.save()
    url = create_deferred(tus, video["id"])["Location"]
    half = len(data) // 2
    assert tus.patch_bytes(url, 0, data[:half]).status_code == 204
    assert Video.objects.get(id=video["id"]).status == "uploading"
    last = tus.patch_bytes(url, half, data[half:], HTTP_UPLOAD_LENGTH=str(len(data)))
    assert last.status_code == 204, last.content
    assert tus.head_upload(url)["Upload-Length"] == str(len(data))
    stored = Video.objects.get(id=video["id"])
    assert (stored.status, stored.source_size) == ("processing", len(data))
    assert ApiClient(user).get("/api/v1/users/me").json()["data"]["quota"]["used_bytes"] == len(
        data
    )
    # once set, the length cannot change
    changed = tus.patch_bytes(
        url, len(data), b"", CONTENT_TYPE=OFFSET, HTTP_UPLOAD_LENGTH=str(len(data) + 1)
    )
    assert changed.status_code in (400, 409)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_UPLOAD_DEFER_LENGTH": "2"},
        {"HTTP_UPLOAD_DEFER_LENGTH": "yes"},
        {"HTTP_UPLOAD_LENGTH": "10"},
    ],
)
def test_bad_deferral_is_a_400(tus, video, headers):
    response = create_deferred(tus, video["id"], **headers)
    assert response.status_code == 400
    assert not Upload.objects.exists()


def test_a_deferred_upload_is_bounded_by_the_largest_upload(tus, video, settings):
    settings.UPLOAD_MAX_SIZE = 100
    url = create_deferred(tus, video["id"])["Location"]
    response = tus.patch_bytes(url, 0, b"x" * 101)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "upload_too_large"
    assert Upload.objects.get().offset == 0


@pytest.mark.django_db(transaction=True)
def test_simultaneous_creations_cannot_pass_the_quota_together(user):
    """Six uploads created at the same moment for six videos of one owner, each alone
    within the quota but only two together: two are accepted. The owner's row is
    locked during each check, so PostgreSQL (SQLite serialises writers anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    user.quota_bytes = 1000
    user.save()
    videos = [make_video(user, status="draft") for _ in range(6)]
    barrier = threading.Barrier(len(videos))
    statuses = []

    def create(video):
        try:
            barrier.wait(timeout=10)
            statuses.append(TusClient(user).create(video.id, 400).status_code)
        finally:
            db_connections.close_all()

    threads = [threading.Thread(target=create, args=(video,)) for video in videos]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [201, 201, 413, 413, 413, 413]
    assert Upload.objects.count() == 2
