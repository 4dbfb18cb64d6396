"""BigBlueButton imports from a real HTTP server publishing a recording in BBB's layout
(``/presentation/<recordId>/video/webcams.webm``, ``.../deskshare/deskshare.webm``,
``metadata.xml``; the ``video`` format's ``/video/<recordId>/video-0.m4v``)."""

from __future__ import annotations

import pytest

from podv5_media.imports import ImportFailed, fetch
from podv5_media.probe import probe
from tests.podv5_media.imports.conftest import RECORD_ID, serve_bbb, spec_for

P = f"/presentation/{RECORD_ID}"


def test_screen_sharing_with_the_meetings_sound(origin, bbb_files, tmp_path, ffmpeg_exe):
    url = serve_bbb(origin, bbb_files)
    got = fetch(spec_for(url, "bbb"), tmp_path / "in", ffmpeg=ffmpeg_exe)
    info = probe(got.download.path)
    # the deskshare's picture (320x180), the webcams' sound (Opus)
    assert (info.video.width, info.video.height) == (320, 180)
    assert info.audio is not None and info.audio.codec == "opus"
    assert abs(info.duration - 2) < 0.3
    assert got.metadata.title == "Amphi B: signal processing"
    assert origin.paths() == [
        f"{P}/metadata.xml",
        f"/video/{RECORD_ID}/video-0.m4v",  # no video format: 404
        f"{P}/video/webcams.mp4",  # BBB >= 2.6 names; 404 here
        f"{P}/video/webcams.webm",
        f"{P}/deskshare/deskshare.mp4",
        f"{P}/deskshare/deskshare.webm",
    ]
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["recording.mkv"]


def test_without_screen_sharing_the_webcams_file(origin, bbb_files, tmp_path, ffmpeg_exe):
    url = serve_bbb(origin, bbb_files, parts=("webcams",))
    got = fetch(spec_for(url, "bbb"), tmp_path, ffmpeg=ffmpeg_exe)
    info = probe(got.download.path)
    assert (info.video.width, info.audio.codec) == (160, "opus")
    assert got.download.filename == "webcams.webm"


def test_the_video_format_comes_first(origin, bbb_files, tmp_path, ffmpeg_exe):
    serve_bbb(origin, bbb_files, parts=("webcams", "deskshare", "video"))
    url = origin.url(f"/playback/video/{RECORD_ID}/")
    got = fetch(spec_for(url, "bbb"), tmp_path, ffmpeg=ffmpeg_exe)
    assert probe(got.download.path).video.width == 256
    assert not any("webcams" in path for path in origin.paths())


def test_legacy_playback_url(origin, bbb_files, tmp_path, ffmpeg_exe):
    serve_bbb(origin, bbb_files, parts=("webcams",))
    url = origin.url(f"/playback/presentation/2.0/playback.html?meetingId={RECORD_ID}")
    assert fetch(spec_for(url, "bbb"), tmp_path, ffmpeg=ffmpeg_exe).download.size > 0


def test_no_published_media(origin, bbb_files, tmp_path, ffmpeg_exe):
    url = serve_bbb(origin, bbb_files, parts=())
    with pytest.raises(ImportFailed) as failed:
        fetch(spec_for(url, "bbb"), tmp_path, ffmpeg=ffmpeg_exe)
    assert failed.value.reason == "import_not_found"


def test_the_size_limit_covers_every_file(origin, bbb_files, tmp_path, ffmpeg_exe):
    url = serve_bbb(origin, bbb_files)
    webcams = bbb_files["webcams"].stat().st_size
    spec = spec_for(url, "bbb", max_bytes=webcams + 100)  # the webcams fit, not both
    with pytest.raises(ImportFailed) as failed:
        fetch(spec, tmp_path / "in", ffmpeg=ffmpeg_exe)
    assert failed.value.reason == "import_too_large"
    assert not any(p.suffix == ".mkv" for p in (tmp_path / "in").iterdir())


def test_metadata_with_entities_is_not_read(origin, bbb_files, tmp_path, ffmpeg_exe):
    from tests.origin import Route

    url = serve_bbb(origin, bbb_files, parts=("webcams",))
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><recording><meeting name="&a;&a;"/></recording>'  # noqa: E501
    origin.routes[f"{P}/metadata.xml"] = Route(bomb)
    got = fetch(spec_for(url, "bbb"), tmp_path, ffmpeg=ffmpeg_exe)
    assert got.metadata.title is None and got.download.size > 0
