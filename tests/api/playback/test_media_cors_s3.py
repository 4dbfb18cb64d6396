"""CORS of media with ``STORAGE_BACKEND=s3`` (real MinIO): the 302 to a presigned URL, which
a browser checks before following it cross-origin, and the playlists the API sends itself,
carry ``Access-Control-Allow-Origin: *``; so does the 404 of a missing object."""

from __future__ import annotations

import time
import uuid

import pytest

from api.playback.tokens import media_token
from tests.api.playback.test_media_cors import EMBED, assert_cors_readable


@pytest.fixture
def stored(s3_media):
    prefix = f"videos/{uuid.uuid4()}/"
    put = s3_media.client.put_object
    put(Bucket=s3_media.bucket, Key=f"{prefix}out/hls/master.m3u8", Body=b"#EXTM3U\nv/i.m3u8\n")
    put(Bucket=s3_media.bucket, Key=f"{prefix}out/hls/v/seg_1.m4s", Body=b"segment-bytes")
    token = media_token(scope=prefix, expires=int(time.time()) + 600)
    return f"/media/t/{token}/{prefix}out/"


def test_presigned_redirects_and_playlists_carry_cors(server, stored):
    origin = {"Origin": EMBED}
    redirect = server.get(f"{stored}hls/v/seg_1.m4s", headers={**origin, "Range": "bytes=-4"})
    assert redirect.status_code == 302 and redirect.headers["location"]
    assert_cors_readable(redirect)
    head = server.head(f"{stored}hls/v/seg_1.m4s", headers=origin)
    assert head.status_code == 302
    assert_cors_readable(head)
    playlist = server.get(f"{stored}hls/master.m3u8", headers=origin)
    assert playlist.status_code == 200 and playlist.content.startswith(b"#EXTM3U")
    assert_cors_readable(playlist)
    missing = server.get(f"{stored}hls/v/seg_2.m4s", headers=origin)
    assert missing.status_code == 404
    assert_cors_readable(missing)
