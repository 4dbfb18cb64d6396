"""Media URLs: plain for public videos, tokened for the others; what the media view
refuses (403 ``invalid_media_token``, 404) and how it serves (Range, X-Accel-Redirect)."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from api.playback.tokens import media_token
from tests.api.factories import MASTER, make_video, write_outputs

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(user, _media_root):
    video = make_video(user, visibility="private")
    write_outputs(video, _media_root)
    return video


@pytest.fixture
def public(user, _media_root):
    video = make_video(user)
    write_outputs(video, _media_root)
    return video


def path_of(url: str) -> str:
    return urlparse(url).path


def tokened(video, name=MASTER, *, expires=None, scope=None) -> str:
    expires = expires or int(time.time()) + 600
    token = media_token(scope=scope or video.storage_prefix, expires=expires)
    return f"/media/t/{token}/{video.output_prefix}{name}"


def assert_token_refused(response):
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["code"] == "invalid_media_token"
    assert response["Cache-Control"] == "no-store"


def test_player_of_a_private_video_has_tokened_urls(alice, anon, private):
    player = alice.get(f"/api/v1/videos/{private.id}/player").json()["data"]
    master = path_of(player["hls"]["url"])
    assert master.startswith("/media/t/") and master.endswith(f"/{private.output_prefix}{MASTER}")
    assert "/media/t/" in player["poster"] and player["expires_at"]
    response = anon.get(master)  # the token is all it takes
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"].startswith("private, max-age=")
    # the plain URL of the same file is refused
    assert anon.get(f"/media/{private.output_prefix}{MASTER}").status_code == 404


def test_player_of_a_public_video_has_plain_cacheable_urls(anon, public, settings):
    player = anon.get(f"/api/v1/videos/{public.id}/player").json()["data"]
    assert player["expires_at"] is None
    master = path_of(player["hls"]["url"])
    assert master == f"/media/{public.output_prefix}{MASTER}"
    response = anon.get(master)
    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={settings.MEDIA_PUBLIC_CACHE_SECONDS}"


def test_plain_urls_stop_working_when_a_video_is_unpublished(anon, public):
    url = f"/media/{public.output_prefix}{MASTER}"
    assert anon.get(url).status_code == 200
    public.is_draft = True
    public.save()
    assert anon.get(url).status_code == 404


def test_expired_token(anon, private):
    assert_token_refused(anon.get(tokened(private, expires=int(time.time()) - 1)))


def test_tampered_token(anon, private):
    url = tokened(private)
    token = url.split("/")[3]
    expires, signature = token.split(".")
    later = url.replace(token, f"{int(expires) + 3600}.{signature}")
    other_char = "A" if signature[-1] != "A" else "B"
    flipped = url.replace(token, f"{expires}.{signature[:-1]}{other_char}")
    for bad in (later, flipped, url.replace(token, "garbage"), url.replace(token, expires)):
        assert_token_refused(anon.get(bad))


def test_wrong_path(anon, private, _media_root):
    token = tokened(private).split("/")[3]
    (_media_root / "uploads").mkdir(exist_ok=True)
    (_media_root / "uploads" / "spool.bin").write_bytes(b"secret")
    (_media_root / "elsewhere.txt").write_text("x")
    for path in ("uploads/spool.bin", "elsewhere.txt", f"{private.storage_prefix}source/clip.mp4"):
        assert_token_refused(anon.get(f"/media/t/{token}/{path}"))
    # a path climbing out of the video's prefix is refused before any file is looked at
    escape = f"{private.output_prefix}../../../../elsewhere.txt"
    assert_token_refused(anon.get(f"/media/t/{token}/{escape}"))


def test_right_path_other_video(anon, private, user, _media_root):
    other = make_video(user, visibility="private")
    write_outputs(other, _media_root)
    token = tokened(private).split("/")[3]
    assert_token_refused(anon.get(f"/media/t/{token}/{other.output_prefix}{MASTER}"))
    # and a token for the other video does not open the first one
    assert_token_refused(anon.get(tokened(private, scope=other.storage_prefix)))


def test_tokened_range_request(anon, private):
    response = anon.get(tokened(private, "hls/v0/seg_00000.m4s"), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert len(b"".join(response.streaming_content)) == 100
    assert response["Content-Range"] == "bytes 0-99/4000"


def test_x_accel_redirect(anon, private, public, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    settings.MEDIA_SERVE = False
    response = anon.get(tokened(private, "hls/v0/seg_00000.m4s"))
    assert response.status_code == 200 and response.content == b""
    expected = f"/protected-media/{private.output_prefix}hls/v0/seg_00000.m4s"
    assert response["X-Accel-Redirect"] == expected
    assert response["Content-Type"] == "video/iso.segment"
    response = anon.get(f"/media/{public.output_prefix}{MASTER}")
    assert response["X-Accel-Redirect"] == f"/protected-media/{public.output_prefix}{MASTER}"
    assert anon.get(f"/media/{private.output_prefix}{MASTER}").status_code == 404
    assert_token_refused(anon.get(tokened(private, expires=int(time.time()) - 1)))


def test_media_off(anon, public, settings):
    settings.MEDIA_SERVE = False
    assert anon.get(f"/media/{public.output_prefix}{MASTER}").status_code == 404
