"""tus uploads with ``STORAGE_BACKEND=s3`` (a real MinIO): bytes are spooled locally while
they arrive, probed there, then stored in the bucket in one streamed (multipart) upload.
If the bucket is unreachable at that moment nothing is lost: the last PATCH answers 503
``storage_unavailable`` and sending it again (empty) stores the source."""

from __future__ import annotations

import pytest

from api.encoding.models import EncodingJob
from api.uploads.models import Upload
from api.videos.models import Video
from tests.s3.fixtures import use_s3

pytestmark = pytest.mark.django_db


def path_of(response):
    return response["Location"].replace("http://testserver", "")


def test_a_finished_upload_lands_in_the_bucket(tus, video, s3_media, clip):
    data = clip.read_bytes()
    created = tus.create(video["id"], len(data), filename="talk.mp4")
    url = path_of(created)
    assert tus.patch_bytes(url, 0, data[:40_000]).status_code == 204
    assert s3_media.keys(f"videos/{video['id']}/") == []  # still spooled
    assert tus.patch_bytes(url, 40_000, data[40_000:]).status_code == 204

    upload = Upload.objects.get(video_id=video["id"])
    assert upload.is_complete and not upload.spool_path.exists()
    name = f"videos/{video['id']}/source/talk.mp4"
    assert s3_media.keys(f"videos/{video['id']}/") == [name]
    body = s3_media.client.get_object(Bucket=s3_media.bucket, Key=name)["Body"].read()
    assert body == data
    assert Video.objects.get(id=video["id"]).status == "processing"
    job = EncodingJob.objects.get(video_id=video["id"])
    assert job.spec["source"] == f"s3://{s3_media.bucket}/{name}"


def test_the_bucket_down_at_the_last_byte_loses_nothing(
    tus, video, settings, monkeypatch, minio_factory, clip
):
    server = minio_factory()
    server.client().create_bucket(Bucket="podv5-landing")
    use_s3(settings, monkeypatch, server, "podv5-landing")
    settings.S3_MAX_ATTEMPTS = 1
    settings.S3_CONNECT_TIMEOUT = 1
    data = clip.read_bytes()
    url = path_of(tus.create(video["id"], len(data), filename="talk.mp4"))
    assert tus.patch_bytes(url, 0, data[:40_000]).status_code == 204

    server.kill()
    response = tus.patch_bytes(url, 40_000, data[40_000:])
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "storage_unavailable"
    upload = Upload.objects.get(video_id=video["id"])
    assert upload.offset == len(data) and not upload.is_complete
    assert upload.spool_path.read_bytes() == data  # kept, whole
    assert Video.objects.get(id=video["id"]).status == "uploading"

    server.start()  # back (on another port: point the API at it again)
    s3 = use_s3(settings, monkeypatch, server, "podv5-landing")
    empty = {"CONTENT_TYPE": "application/offset+octet-stream", "CONTENT_LENGTH": "0"}
    assert tus.patch_bytes(url, len(data), b"", **empty).status_code == 204
    name = f"videos/{video['id']}/source/talk.mp4"
    assert s3.keys(f"videos/{video['id']}/") == [name]
    assert Video.objects.get(id=video["id"]).status == "processing"
    assert not upload.spool_path.exists()
