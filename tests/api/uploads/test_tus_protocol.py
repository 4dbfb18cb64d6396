"""tus 1.0.0 core protocol and extensions, spoken by the test client (the stock tuspy
client is exercised in test_main_job and test_tus_concurrency)."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from api.uploads.models import Upload
from api.videos.models import Video
from tests.api.uploads.conftest import TusClient

pytestmark = pytest.mark.django_db


def path_of(response):
    return response["Location"].replace("http://testserver", "")


def test_options_discovery_and_cors(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example.org"]
    response = anon.options(
        "/api/v1/uploads/",
        HTTP_ORIGIN="https://front.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
    )
    assert response.status_code in (200, 204)
    assert response["Access-Control-Allow-Origin"] == "https://front.example.org"
    assert "upload-offset" in response["Access-Control-Allow-Headers"].lower()
    plain = anon.options("/api/v1/uploads/")
    assert plain.status_code == 204
    assert plain["Tus-Version"] == "1.0.0"
    assert set(plain["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "creation-defer-length",
        "termination",
        "checksum",
        "expiration",
    }
    assert plain["Tus-Checksum-Algorithm"] == "sha1,sha256"
    assert int(plain["Tus-Max-Size"]) == settings.UPLOAD_MAX_SIZE


def test_cors_exposes_tus_headers(tus, video, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example.org"]
    response = tus.create(video["id"], 10, HTTP_ORIGIN="https://front.example.org")
    exposed = response["Access-Control-Expose-Headers"].lower()
    for header in ("location", "upload-offset", "upload-expires", "tus-resumable"):
        assert header in exposed


def test_create_head_patch_in_chunks(tus, video, clip):
    data = clip.read_bytes()
    created = tus.create(video["id"], len(data))
    assert created.status_code == 201
    assert created["Tus-Resumable"] == "1.0.0"
    assert created["Upload-Offset"] == "0" and "Upload-Expires" in created
    url = path_of(created)
    assert Video.objects.get(id=video["id"]).status == "uploading"
    first = tus.patch_bytes(url, 0, data[:1000])
    assert first.status_code == 204 and first["Upload-Offset"] == "1000"
    head = tus.head_upload(url)
    assert head.status_code == 200
    assert head["Upload-Offset"] == "1000" and head["Upload-Length"] == str(len(data))
    assert head["Cache-Control"] == "no-store"
    assert "video " in head["Upload-Metadata"]
    last = tus.patch_bytes(url, 1000, data[1000:])
    assert last.status_code == 204 and last["Upload-Offset"] == str(len(data))
    source = Video.objects.get(id=video["id"])
    assert source.status == "processing"
    assert source.source_filename == "clip.mp4" and source.source_size == len(data)
    state = tus.get(url).json()["data"]
    assert state["complete"] and state["offset"] == state["length"] == len(data)


def test_creation_with_upload(tus, video, clip):
    data = clip.read_bytes()
    response = tus.create(video["id"], len(data), body=data[:500])
    assert response.status_code == 201 and response["Upload-Offset"] == "500"
    assert tus.get(path_of(response)).json()["data"]["offset"] == 500


def test_offset_mismatch_is_409(tus, video):
    url = path_of(tus.create(video["id"], 100))
    tus.patch_bytes(url, 0, b"a" * 10)
    response = tus.patch_bytes(url, 5, b"b" * 10)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "offset_mismatch"
    assert tus.head_upload(url)["Upload-Offset"] == "10"


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_checksum_ok_and_mismatch(tus, video, algorithm):
    url = path_of(tus.create(video["id"], 100))
    good = base64.b64encode(hashlib.new(algorithm, b"x" * 10).digest()).decode()
    ok = tus.patch_bytes(url, 0, b"x" * 10, HTTP_UPLOAD_CHECKSUM=f"{algorithm} {good}")
    assert ok.status_code == 204 and ok["Upload-Offset"] == "10"
    bad = tus.patch_bytes(url, 10, b"y" * 10, HTTP_UPLOAD_CHECKSUM=f"{algorithm} {good}")
    assert bad.status_code == 460
    assert bad.json()["errors"][0]["code"] == "checksum_mismatch"
    # the mismatched body was discarded, bytes and offset are as before
    assert tus.head_upload(url)["Upload-Offset"] == "10"
    upload = Upload.objects.get()
    assert upload.spool_path.read_bytes() == b"x" * 10


def test_unsupported_checksum_algorithm_is_400(tus, video):
    url = path_of(tus.create(video["id"], 100))
    response = tus.patch_bytes(url, 0, b"x", HTTP_UPLOAD_CHECKSUM="md5 AAAA")
    assert response.status_code == 400
    assert tus.head_upload(url)["Upload-Offset"] == "0"


def test_wrong_tus_version_is_412(tus, video):
    response = tus.create(video["id"], 10, HTTP_TUS_RESUMABLE="0.2.2")
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"
    assert not Upload.objects.exists()


def test_patch_needs_offset_content_type(tus, video):
    url = path_of(tus.create(video["id"], 10))
    response = tus.generic(
        "PATCH",
        url,
        b"abc",
        content_type="application/octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET="0",
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "wrong_content_type"


def test_over_max_size_is_413(tus, video, settings):
    settings.UPLOAD_MAX_SIZE = 1000
    response = tus.create(video["id"], 1001)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "upload_too_large"
    assert not Upload.objects.exists()


def test_body_past_upload_length_is_413(tus, video):
    url = path_of(tus.create(video["id"], 10))
    response = tus.patch_bytes(url, 0, b"z" * 11)
    assert response.status_code == 413
    assert tus.head_upload(url)["Upload-Offset"] == "0"


def test_malformed_metadata_and_missing_video(tus, video):
    bad = tus.generic(
        "POST",
        "/api/v1/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA="video !!notbase64",
    )
    assert bad.status_code == 400
    missing = tus.generic(
        "POST", "/api/v1/uploads/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10"
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "Upload-Metadata.video"
    no_length = tus.generic("POST", "/api/v1/uploads/", HTTP_TUS_RESUMABLE="1.0.0")
    assert no_length.status_code == 400


def test_only_the_owner_uploads(video, other_user, anon):
    other = TusClient(other_user)
    assert other.create(video["id"], 10).status_code == 404
    response = anon.generic(
        "POST", "/api/v1/uploads/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10"
    )
    assert response.status_code == 401


def test_others_cannot_touch_an_upload(tus, video, other_user):
    url = path_of(tus.create(video["id"], 10))
    other = TusClient(other_user)
    assert other.head_upload(url).status_code == 404
    assert other.patch_bytes(url, 0, b"x").status_code == 404
    assert tus.head_upload(url)["Upload-Offset"] == "0"


def test_termination(tus, video):
    url = path_of(tus.create(video["id"], 100))
    tus.patch_bytes(url, 0, b"x" * 10)
    spool = Upload.objects.get().spool_path
    response = tus.delete(url, HTTP_TUS_RESUMABLE="1.0.0")
    assert response.status_code == 204
    assert not spool.exists()
    assert tus.head_upload(url).status_code == 404
    assert Video.objects.get(id=video["id"]).status == "draft"


def test_expired_upload_is_gone(tus, video):
    url = path_of(tus.create(video["id"], 100))
    tus.patch_bytes(url, 0, b"x" * 10)
    upload = Upload.objects.get()
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = tus.patch_bytes(url, 10, b"x")
    assert response.status_code == 410
    assert response.json()["errors"][0]["code"] == "upload_expired"
    assert not upload.spool_path.exists()
    assert tus.head_upload(url).status_code == 404


def test_expire_command_removes_stale_uploads(tus, video):
    from django.core.management import call_command

    tus.create(video["id"], 100)
    upload = Upload.objects.get()
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("uploads_expire")
    assert not Upload.objects.exists() and not upload.spool_path.exists()


def test_new_upload_supersedes_an_unfinished_one(tus, video):
    first = path_of(tus.create(video["id"], 100))
    tus.patch_bytes(first, 0, b"x" * 10)
    second = tus.create(video["id"], 50)
    assert second.status_code == 201
    assert tus.head_upload(first).status_code == 404
    assert Upload.objects.count() == 1


def test_offset_survives_a_restart_and_torn_bytes_are_dropped(tus, video):
    """The offset lives in the database; bytes a crashed writer left past it are cut."""
    url = path_of(tus.create(video["id"], 100))
    tus.patch_bytes(url, 0, b"a" * 10)
    upload = Upload.objects.get()
    with open(upload.spool_path, "ab") as fh:  # a writer died after writing, before saving
        fh.write(b"GARBAGE")
    assert tus.head_upload(url)["Upload-Offset"] == "10"
    assert tus.patch_bytes(url, 10, b"b" * 5).status_code == 204
    assert upload.spool_path.read_bytes() == b"a" * 10 + b"b" * 5


def test_method_override_header(tus, video):
    url = path_of(tus.create(video["id"], 100))
    response = tus.generic(
        "POST",
        url,
        b"q" * 3,
        content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
    )
    assert response.status_code == 204 and response["Upload-Offset"] == "3"


def test_a_spool_file_shorter_than_its_offset_resumes_from_its_size(tus, video):
    """Without UPLOAD_FSYNC=always a power loss may cut the file under its stored offset:
    the next PATCH answers 409 with the file's size stored as the offset, and the client
    resumes from there (HEAD) instead of writing past a hole."""
    url = path_of(tus.create(video["id"], 100))
    tus.patch_bytes(url, 0, b"a" * 10)
    upload = Upload.objects.get()
    with open(upload.spool_path, "r+b") as fh:  # the last 4 bytes never reached the disk
        fh.truncate(6)
    response = tus.patch_bytes(url, 10, b"b" * 10)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "offset_mismatch"
    assert tus.head_upload(url)["Upload-Offset"] == "6"
    assert tus.patch_bytes(url, 6, b"c" * 4).status_code == 204
    assert upload.spool_path.read_bytes() == b"a" * 6 + b"c" * 4
