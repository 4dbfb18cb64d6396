"""On the last byte the file is probed: what is not audio/video gets 415 with the
envelope, its bytes are deleted and the video is failed with unsupported_media."""

import struct
import zlib

import pytest

from api.encoding.models import EncodingJob
from api.uploads.models import Upload
from api.videos.models import Video
from tests.conftest import make_clip

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 16 for _ in range(16))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def upload_all(tus, video_id, data, filename="clip.mp4"):
    created = tus.create(video_id, len(data), filename=filename)
    assert created.status_code == 201 or len(data) == 0, created.content
    if len(data) == 0:
        return created
    url = created["Location"].replace("http://testserver", "")
    return tus.patch_bytes(url, 0, data)


def assert_rejected(response, video_id, settings, code="unsupported_media"):
    assert response.status_code == 415, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["errors"][0]["code"] == code
    video = Video.objects.get(id=video_id)
    assert video.status == "failed" and video.error_code == code
    assert video.source_name == ""
    assert not Upload.objects.exists() and not EncodingJob.objects.exists()
    spool = settings.UPLOAD_SPOOL_DIR
    assert not any(spool.iterdir()), "upload bytes must be deleted"
    assert not (settings.MEDIA_ROOT / "videos").exists()


def test_png_renamed_mp4(tus, video, settings):
    assert_rejected(upload_all(tus, video["id"], png_bytes()), video["id"], settings)


def test_text_file(tus, video, settings):
    assert_rejected(upload_all(tus, video["id"], b"hello world\n" * 100), video["id"], settings)


def test_truncated_mp4(tus, video, settings, tmp_path):
    # moov at the end (ffmpeg's default): cutting the tail loses the index
    data = make_clip(tmp_path / "t.mp4").read_bytes()
    assert_rejected(upload_all(tus, video["id"], data[: len(data) // 2]), video["id"], settings)


def test_truncated_faststart_mp4_is_refused_as_the_worker_would(tus, video, settings, tmp_path):
    # moov first (faststart): the first frames still decode, but the index points past the
    # end of the file; the upload uses the worker's probe, so it is refused now, not after
    # an encoding job fails on it
    data = make_clip(tmp_path / "f.mp4", seconds=4, extra=("-movflags", "+faststart"))
    data = data.read_bytes()
    response = upload_all(tus, video["id"], data[: len(data) * 2 // 3])
    assert_rejected(response, video["id"], settings, code="truncated_media")
    assert "/" not in response.json()["errors"][0]["message"]  # no server path


def test_empty_file(tus, video, settings):
    assert_rejected(upload_all(tus, video["id"], b""), video["id"], settings)


def test_failed_video_can_take_a_new_upload(tus, video, settings, clip):
    upload_all(tus, video["id"], png_bytes())
    response = upload_all(tus, video["id"], clip.read_bytes())
    assert response.status_code == 204
    assert Video.objects.get(id=video["id"]).status == "processing"
    assert EncodingJob.objects.filter(video_id=video["id"]).count() == 1


def test_ready_or_processing_video_refuses_uploads(tus, video, clip):
    upload_all(tus, video["id"], clip.read_bytes())
    response = tus.create(video["id"], 10)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_state"
