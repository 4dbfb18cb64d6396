"""PeerTube imports: the video is resolved through a fake-but-real PeerTube API (a real
HTTP server answering ``GET /api/v1/videos/{id}`` in PeerTube's documented shape), the
best file downloaded, the metadata read."""

from __future__ import annotations

import pytest

from podv5_media.imports import ImportFailed, fetch
from podv5_media.imports.peertube import best_file_url
from podv5_media.probe import probe
from tests.origin import Route
from tests.podv5_media.imports.conftest import (
    SHORT_UUID,
    VIDEO_UUID,
    peertube_video,
    spec_for,
)

LADDER = {
    "files": [(240, "/static/web-videos/a-240.mp4"), (1440, "/static/web-videos/a-1440.mp4")],
    "hls": [(720, f"/static/streaming-playlists/hls/{VIDEO_UUID}/a-720-fragmented.mp4"),
            (0, f"/static/streaming-playlists/hls/{VIDEO_UUID}/a-0-fragmented.mp4")],
}  # fmt: skip


@pytest.mark.parametrize(
    "page", [f"/w/{SHORT_UUID}", f"/videos/watch/{VIDEO_UUID}", f"/videos/embed/{SHORT_UUID}"]
)
def test_the_best_file_is_imported_with_the_metadata(origin, make_clip, tmp_path, ffmpeg_exe, page):
    video_id = SHORT_UUID if SHORT_UUID in page else VIDEO_UUID
    origin.routes[f"/api/v1/videos/{video_id}"] = Route.json(peertube_video(origin, **LADDER))
    chosen = f"/download/static/streaming-playlists/hls/{VIDEO_UUID}/a-720-fragmented.mp4"
    origin.routes[chosen] = Route.file(make_clip("plain"))
    got = fetch(spec_for(origin.url(page), "peertube"), tmp_path / "in", ffmpeg=ffmpeg_exe)

    # the highest resolution up to 1080p (720p, an HLS file): not 1440p, not the 0p audio
    assert origin.paths() == [f"/api/v1/videos/{video_id}", chosen]
    assert probe(got.download.path).video.width == 320
    assert got.download.url == origin.url(chosen)
    meta = got.metadata
    assert meta.title == "Signal processing, lesson 1"
    assert meta.description == "Fourier series and the discrete Fourier transform."
    assert (meta.licence, meta.tags, meta.language) == ("cc-by-sa", ["fourier", "signal"], "fr")


def test_file_choice():
    def entry(resolution, url, **fields):
        return {"resolution": {"id": resolution}, "fileUrl": url, **fields}

    def video(files, hls=()):
        return {"files": [entry(*f) for f in files],
                "streamingPlaylists": [{"files": [entry(*f) for f in hls]}]}  # fmt: skip

    assert best_file_url(video([(1080, "w1080"), (720, "w720")], [(1080, "h1080")])) == "w1080"
    assert best_file_url(video([(2160, "w2160"), (1440, "w1440")])) == "w1440"  # lowest above
    assert best_file_url(video([], [(480, "h480")])) == "h480"
    # PeerTube 7 may keep video-only streams beside an audio one: never pick those
    split = video([])
    split["streamingPlaylists"][0]["files"] = [
        entry(1080, "h1080", hasAudio=False, hasVideo=True),
        entry(0, "audio", hasAudio=True, hasVideo=False),
    ]
    assert best_file_url(split) == "audio"
    download = entry(720, "static", fileDownloadUrl="download")
    assert best_file_url({"files": [download]}) == "download"
    assert best_file_url(video([])) is None


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"downloadEnabled": False}, "import_failed"),
        ({"isLive": True}, "import_failed"),
        ({"files": [], "streamingPlaylists": []}, "import_not_found"),
    ],
)
def test_videos_that_cannot_be_imported(origin, tmp_path, ffmpeg_exe, fields, reason):
    origin.routes[f"/api/v1/videos/{SHORT_UUID}"] = Route.json(
        peertube_video(origin, **LADDER) | fields
    )
    with pytest.raises(ImportFailed) as failed:
        fetch(spec_for(origin.url(f"/w/{SHORT_UUID}"), "peertube"), tmp_path, ffmpeg=ffmpeg_exe)
    assert failed.value.reason == reason
    assert len(origin.requests) == 1  # no file downloaded


def test_unknown_or_private_videos(origin, tmp_path, ffmpeg_exe):
    # PeerTube answers 404 for an unknown id, 401/403 for a private video without a token
    origin.routes[f"/api/v1/videos/{VIDEO_UUID}"] = Route(b'{"status":403}', status=403)
    for page, reason in (
        (f"/w/{SHORT_UUID}", "import_not_found"),
        (f"/w/{VIDEO_UUID}", "import_failed"),
    ):
        with pytest.raises(ImportFailed) as failed:
            fetch(spec_for(origin.url(page), "peertube"), tmp_path, ffmpeg=ffmpeg_exe)
        assert failed.value.reason == reason


def test_a_file_url_on_a_forbidden_address_is_refused(origin, tmp_path, ffmpeg_exe):
    # the API's answer is trusted for nothing: its file URLs go through the same checks
    video = peertube_video(origin, **LADDER)
    video["streamingPlaylists"][0]["files"][0]["fileDownloadUrl"] = "http://169.254.169.254/x"
    origin.routes[f"/api/v1/videos/{SHORT_UUID}"] = Route.json(video)
    with pytest.raises(ImportFailed) as failed:
        fetch(spec_for(origin.url(f"/w/{SHORT_UUID}"), "peertube"), tmp_path, ffmpeg=ffmpeg_exe)
    assert failed.value.reason == "import_forbidden_address"


def test_an_answer_that_is_not_json(origin, tmp_path, ffmpeg_exe):
    origin.routes[f"/api/v1/videos/{SHORT_UUID}"] = Route(b"<html>maintenance</html>")
    with pytest.raises(ImportFailed) as failed:
        fetch(spec_for(origin.url(f"/w/{SHORT_UUID}"), "peertube"), tmp_path, ffmpeg=ffmpeg_exe)
    assert failed.value.reason == "import_failed"
