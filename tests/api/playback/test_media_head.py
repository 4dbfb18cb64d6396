"""HEAD on media files over real HTTP: the headers of the GET (Content-Length, Content-Range,
ETag...) and no body, without reading the file. A player or a download manager probing a
multi-gigabyte MP4 gets its answer at once instead of after the server read it all.

Bytes read are measured with ``/proc/self/io`` (``rchar``: every ``read()`` of the
process, whose live server thread serves the request) around a HEAD of a 512 MiB file
(sparse: it costs no disk)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.api.playback.conftest import plain_url, tokened_url

BIG = "mp4/big.mp4"
BIG_SIZE = 512 * 1024**2


def bytes_read() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.fixture
def big_file(public_video, _media_root) -> Path:
    path = _media_root / public_video.output_prefix / BIG
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.truncate(BIG_SIZE)
    return path


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux /proc/self/io")
def test_head_of_a_big_file_does_not_read_it(server, public_video, big_file):
    url = plain_url(public_video, BIG)
    server.head(url)  # warm up: the server thread, the database connection
    before = bytes_read()
    response = server.head(url)
    read = bytes_read() - before
    assert response.status_code == 200
    assert response.headers["content-length"] == str(BIG_SIZE)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.content == b""
    assert read < 1024**2, f"a HEAD read {read} bytes of a {BIG_SIZE}-byte file"


def test_head_answers_the_headers_of_get(server, public_video, private_video):
    for url in (plain_url(public_video), tokened_url(private_video, "hls/v0/seg_00000.m4s")):
        for headers in ({}, {"Range": "bytes=10-19"}, {"Range": "bytes=-7"}):
            get = server.get(url, headers=headers)
            head = server.head(url, headers=headers)
            assert head.status_code == get.status_code and head.content == b""
            for name in ("content-length", "content-range", "content-type", "etag"):
                assert head.headers.get(name) == get.headers.get(name), (name, headers)
            assert head.headers["content-length"] == str(len(get.content))
    past_end = server.head(
        tokened_url(private_video, "hls/v0/seg_00000.m4s"), headers={"Range": "bytes=9999-"}
    )
    assert past_end.status_code == 416 and past_end.headers["content-range"] == "bytes */4000"
