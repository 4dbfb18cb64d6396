"""Custom thumbnails: an uploaded image replaces the encoded poster in the player config
(and the catalog card), is served like the other media, and deleting it brings the
encoded poster back. Images are checked by decoding them (PyAV): anything else is 415,
too large is 413, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.editing.conftest import ffmpeg_image
from tests.api.factories import make_video, write_outputs
from tests.conftest import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def png(tmp_path) -> bytes:
    return ffmpeg_image(tmp_path / "a.png")


@pytest.fixture
def jpeg(tmp_path) -> bytes:
    return ffmpeg_image(tmp_path / "b.jpg", colour="green", size="320x180")


def post(client, video, name: str, data: bytes):
    return client.post(
        f"/api/v1/videos/{video.id}/thumbnail", {"file": SimpleUploadedFile(name, data)}
    )


def thumbnails(media_root: Path, video) -> list[str]:
    folder = media_root / video.storage_prefix / "thumbnails"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("ext", ["jpg", "png", "webp"])
def test_thumbnail_replaces_the_poster_until_deleted(
    alice, anon, user, tmp_path, settings, ext, django_capture_on_commit_callbacks
):
    video = make_video(user, is_draft=False)
    write_outputs(video, settings.MEDIA_ROOT)
    encoded = alice.get(f"/api/v1/videos/{video.id}/player").json()["data"]["poster"]
    assert encoded.endswith("/poster.jpg")
    image = ffmpeg_image(tmp_path / f"mine.{ext}", colour="yellow", size="640x360")

    response = post(alice, video, f"whatever.{ext}", image)
    assert response.status_code == 200, response.json()
    poster = response.json()["data"]["poster"]
    assert poster != encoded and "/thumbnails/" in poster and poster.endswith(f".{ext}")
    assert anon.get(f"/api/v1/videos/{video.id}/player").json()["data"]["poster"] == poster
    served = anon.get(poster.removeprefix("http://testserver"))
    assert served.status_code == 200 and b"".join(served.streaming_content) == image
    card = anon.get("/api/v1/catalog/videos").json()["data"]["items"][0]
    assert card["poster"] == poster

    with django_capture_on_commit_callbacks(execute=True):
        cleared = alice.delete(f"/api/v1/videos/{video.id}/thumbnail")
    assert cleared.status_code == 200 and cleared.json()["data"]["poster"] == encoded
    assert thumbnails(settings.MEDIA_ROOT, video) == []


def test_a_second_thumbnail_replaces_the_first_file(
    alice, user, png, jpeg, settings, django_capture_on_commit_callbacks
):
    video = make_video(user)
    with django_capture_on_commit_callbacks(execute=True):
        post(alice, video, "a.png", png)
        post(alice, video, "b.jpg", jpeg)
    files = thumbnails(settings.MEDIA_ROOT, video)
    assert len(files) == 1 and files[0].endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 not an image\n" * 10, "poster.png"),
        (b"", "poster.png"),
        ("clip", "poster.jpg"),  # a video is not a still image
        ("gif", "poster.gif"),  # a format we do not take
    ],
)
def test_what_is_not_an_image_is_415(alice, user, tmp_path, settings, data, name):
    video = make_video(user)
    if data == "clip":
        data = make_clip(tmp_path / "c.mp4", seconds=1).read_bytes()
    elif data == "gif":
        data = ffmpeg_image(tmp_path / "p.gif")
    response = post(alice, video, name, data)
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_image"
    assert response.json()["errors"][0]["field"] == "file"
    assert thumbnails(settings.MEDIA_ROOT, video) == []


def test_too_large_is_413(alice, user, jpeg, settings):
    settings.THUMBNAIL_MAX_SIZE = len(jpeg) - 1
    video = make_video(user)
    response = post(alice, video, "p.jpg", jpeg)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert thumbnails(settings.MEDIA_ROOT, video) == []


def test_an_image_too_large_a_side_is_415(alice, user, tmp_path, settings):
    video = make_video(user)
    data = ffmpeg_image(tmp_path / "wide.png", size="9000x4")
    response = post(alice, video, "wide.png", data)
    assert response.status_code == 415 and "8192" in response.json()["errors"][0]["message"]
