"""The media view with ``STORAGE_BACKEND=s3`` (real MinIO, no encode): playlists through
the API, other files as presigned redirects, signed for ``S3_PUBLIC_ENDPOINT_URL``."""

import time
import uuid
from urllib.parse import urlparse

import httpx
import pytest

from api.playback.tokens import media_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(s3_media):
    prefix = f"videos/{uuid.uuid4()}/"
    put = s3_media.client.put_object
    put(Bucket=s3_media.bucket, Key=f"{prefix}out/hls/master.m3u8", Body=b"#EXTM3U\nv/i.m3u8\n")
    put(Bucket=s3_media.bucket, Key=f"{prefix}out/hls/v/seg_1.m4s", Body=b"segment-bytes")
    token = media_token(scope=prefix, expires=int(time.time()) + 600)
    return f"/media/t/{token}/{prefix}out/"


def test_playlists_are_served_and_the_rest_redirected(anon, stored, s3_media):
    playlist = anon.get(f"{stored}hls/master.m3u8")
    assert playlist.status_code == 200 and playlist.content == b"#EXTM3U\nv/i.m3u8\n"
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    redirect = anon.get(f"{stored}hls/v/seg_1.m4s")
    assert redirect.status_code == 302
    assert redirect["Location"].startswith(s3_media.server.endpoint + "/")
    assert httpx.get(redirect["Location"]).content == b"segment-bytes"
    head = anon.head(f"{stored}hls/v/seg_1.m4s")  # signed for HEAD: S3 answers it too
    assert head.status_code == 302
    assert httpx.head(head["Location"]).headers["content-length"] == str(len(b"segment-bytes"))
    assert anon.get(f"{stored}hls/v/seg_2.m4s").status_code == 404
    assert anon.get(f"{stored}hls/v/missing.m3u8").status_code == 404


def test_presigned_urls_name_the_public_endpoint(anon, stored, s3_media, settings):
    public = s3_media.server.endpoint.replace("127.0.0.1", "localhost")
    settings.S3_PUBLIC_ENDPOINT_URL = public
    redirect = anon.get(f"{stored}hls/v/seg_1.m4s")
    assert redirect.status_code == 302
    assert urlparse(redirect["Location"]).netloc == urlparse(public).netloc
    # signed for that host: the server accepts it there
    assert httpx.get(redirect["Location"]).content == b"segment-bytes"
