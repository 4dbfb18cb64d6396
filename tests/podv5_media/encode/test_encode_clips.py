"""End-to-end: the real ``media-encode`` command on generated clips, real ffmpeg.

For each clip: exit 0, HLS decodes to the end from ``master.m3u8`` without errors,
each rendition lasts as long as the source (±0.2 s), playlists parse with ``m3u8`` (the
master has BANDWIDTH, RESOLUTION and CODECS), no rendition is taller than the source
(display height for a rotated one), video is yuv420p and audio stereo 48 kHz, and
``manifest.json`` validates against ``Manifest``. Bad inputs fail with ``encoding.failed``
and publish nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import av
import m3u8
import psutil
import pytest

from podv5_contract.outputs import Manifest
from podv5_media.probe import probe

from ..conftest import SMALL_LADDER, CallbackReceiver, WorkerRun, media_encode_command

pytestmark = pytest.mark.media

DURATION_TOLERANCE = 0.2
LADDER_WITH_480 = [
    {"name": "480p", "height": 480, "videoKbps": 1400, "audioKbps": 96},
    {"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96},
    {"name": "240p", "height": 240, "videoKbps": 400, "audioKbps": 64},
]


def stream_durations(playlist: Path) -> dict[str, float]:
    """Duration of each stream of an HLS variant, from its packets (s)."""
    spans: dict[str, list[float]] = {}
    with av.open(str(playlist)) as container:
        for packet in container.demux():
            if packet.pts is None:
                continue
            start = float(packet.pts * packet.time_base)
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            span = spans.setdefault(packet.stream.type, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
    return {kind: end - start for kind, (start, end) in spans.items()}


def check_aac_stereo(container) -> None:
    audio = container.streams.audio[0]
    assert audio.codec_context.name == "aac"
    assert audio.codec_context.sample_rate == 48000
    assert audio.codec_context.layout.nb_channels == 2


def check_encoded(run: WorkerRun, source: Path, ffmpeg: str) -> Manifest:
    """Every check shared by the clip cases; returns the validated manifest."""
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.output_dir
    manifest = Manifest.model_validate(json.loads((out / "manifest.json").read_text()))
    info = probe(source)
    master_path = out / manifest.hls.master

    # the master playlist: one variant per rendition, with BANDWIDTH/RESOLUTION/CODECS
    master = m3u8.load(str(master_path))
    assert master.is_variant
    assert len(master.playlists) == len(manifest.hls.renditions)
    for playlist, rendition in zip(master.playlists, manifest.hls.renditions, strict=True):
        stream = playlist.stream_info
        assert stream.bandwidth and stream.bandwidth > 0
        assert stream.codecs
        if info.video is not None:
            assert stream.resolution == (rendition.width, rendition.height)
            assert stream.codecs.startswith("avc1.")
        assert ("mp4a.40.2" in stream.codecs) == (info.audio is not None)
        # a video source's sound is in alternate audio renditions the variants refer to
        assert (stream.audio == "audio") == (info.video is not None and info.audio is not None)
    audio_media = [m for m in master.media if m.type == "AUDIO"]
    assert len(audio_media) == len(manifest.hls.audio)
    if info.video is not None and info.audio is not None:
        assert manifest.hls.audio and manifest.hls.audio[0].default
        assert [m.default for m in audio_media] == ["YES"] + ["NO"] * (len(audio_media) - 1)

    # decodes from the master to the end, every variant, without any error
    decoded = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-i", str(master_path),
         "-map", "0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr[-2000:]

    for rendition in manifest.hls.renditions:
        playlist_path = out / rendition.playlist
        variant = m3u8.load(str(playlist_path))
        assert variant.is_endlist and variant.playlist_type == "vod"
        assert variant.is_independent_segments
        assert variant.segments and variant.segments[0].init_section is not None

        durations = stream_durations(playlist_path)
        for kind, duration in durations.items():
            assert abs(duration - info.duration) <= DURATION_TOLERANCE, (kind, duration, info)
        assert abs(rendition.duration - info.duration) <= DURATION_TOLERANCE

        with av.open(str(playlist_path)) as container:
            if info.video is not None:
                video = container.streams.video[0]
                assert video.codec_context.name == "h264"
                assert video.codec_context.pix_fmt == "yuv420p"
                assert (video.width, video.height) == (rendition.width, rendition.height)
                assert rendition.height <= info.video.display_height
                assert rendition.width % 2 == 0 and rendition.height % 2 == 0
            else:
                assert not container.streams.video
            if info.audio is not None and info.video is None:
                check_aac_stereo(container)
            else:
                assert not container.streams.audio

    for audio in manifest.hls.audio:
        playlist_path = out / audio.playlist
        assert m3u8.load(str(playlist_path)).is_endlist
        assert abs(stream_durations(playlist_path)["audio"] - info.duration) <= DURATION_TOLERANCE
        with av.open(str(playlist_path)) as container:
            assert not container.streams.video
            check_aac_stereo(container)

    if info.video is not None:
        # the DASH MPD over the same segments decodes too (ffmpeg's dashdec wants an
        # absolute path: with a relative one it doubles the folder in segment URLs)
        assert manifest.dash is not None
        mpd = (out / manifest.dash.mpd).resolve()
        assert mpd.parent == master_path.resolve().parent
        decoded = subprocess.run(
            [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-i", str(mpd),
             "-map", "0", "-f", "null", "-"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr[-2000:]
    else:
        assert manifest.dash is None

    for mp4 in manifest.mp4:
        durations = stream_durations(out / mp4.path)
        assert all(abs(d - info.duration) <= DURATION_TOLERANCE for d in durations.values())
    if info.video is not None:
        assert manifest.poster and (out / manifest.poster).stat().st_size > 0
        assert manifest.storyboard is not None
        vtt = (out / manifest.storyboard.vtt).read_text()
        assert vtt.startswith("WEBVTT") and "#xywh=" in vtt
        with av.open(str(out / manifest.storyboard.image)) as sprite:
            stream = sprite.streams.video[0]
            board = manifest.storyboard
            assert stream.width == board.columns * board.tile_width
            assert stream.height == board.rows * board.tile_height
            rgb = next(sprite.decode(stream)).reformat(format="rgb24").planes[0]
        if vtt.count("#xywh=") < board.columns * board.rows:
            # cells no cue points at are black, not uninitialised memory (green in YUV)
            pixels, stride = bytes(rgb), rgb.line_size
            x0 = (board.columns - 1) * board.tile_width
            y0 = (board.rows - 1) * board.tile_height
            cell = [
                pixels[y * stride + 3 * x + channel]
                for y in range(y0 + 4, y0 + board.tile_height - 4)
                for x in range(x0 + 4, x0 + board.tile_width - 4)
                for channel in range(3)
            ]
            assert max(cell) < 40, "unused sprite cells must be black"
    else:
        assert manifest.poster is None and manifest.storyboard is None
    assert manifest.total_size_bytes > 0
    assert not list(out.parent.glob(".*staging*")), "staging folder left behind"
    return manifest


def test_1080p_default_ladder_with_callbacks(
    make_clip, run_worker, ffmpeg_exe, callback_receiver: CallbackReceiver
):
    source = make_clip("hd1080")
    ladder = [
        {"name": "1080p", "height": 1080, "videoKbps": 5000, "audioKbps": 128},
        {"name": "720p", "height": 720, "videoKbps": 2800, "audioKbps": 128},
        {"name": "480p", "height": 480, "videoKbps": 1400, "audioKbps": 96},
        {"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96},
    ]
    run = run_worker(source, ladder=ladder, callback=callback_receiver, segmentDuration=1)
    manifest = check_encoded(run, source, ffmpeg_exe)
    assert [r.name for r in manifest.hls.renditions] == ["1080p", "720p", "480p", "360p"]
    assert [(r.width, r.height) for r in manifest.hls.renditions] == [
        (1920, 1080), (1280, 720), (854, 480), (640, 360),
    ]  # fmt: skip
    assert [m.name for m in manifest.mp4] == ["720p"]

    # keyframes aligned: every variant has the same segment boundaries
    boundaries = set()
    for rendition in manifest.hls.renditions:
        variant = m3u8.load(str(run.output_dir / rendition.playlist))
        boundaries.add(tuple(round(s.duration, 2) for s in variant.segments))
    assert len(boundaries) == 1 and len(next(iter(boundaries))) == 2

    # callbacks: running -> progress (increasing, <= 1/s) -> succeeded with the manifest
    events = callback_receiver.accepted
    assert all(r.verified for r in callback_receiver.requests)
    types = [e.type for e in events]
    assert types[0] == "encoding.running" and types[-1] == "encoding.succeeded"
    assert set(types[1:-1]) == {"encoding.progress"}, types
    progress = events[1:-1]
    percents = [e.data["progress"] for e in progress]
    assert percents == sorted(set(percents)) and percents[0] >= 0 and percents[-1] <= 100
    # at most one a second, by the worker's clock (the body's ``timestamp``: when each event
    # was made); arrival times add delivery jitter that a loaded machine stretches
    made = [datetime.fromisoformat(e.body["timestamp"]) for e in progress]
    gaps = [(b - a).total_seconds() for a, b in zip(made, made[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert len({e.msg_id for e in events}) == len(events)
    assert Manifest.model_validate(events[-1].data["manifest"]) == manifest
    assert events[-1].data["job_id"] == run.spec["jobId"]


@pytest.mark.parametrize(
    "clip, ladder",
    [
        ("odd_641x479", LADDER_WITH_480),
        ("yuv444", None),
        ("surround51", None),
        ("mono16k", None),
        ("vp8_vorbis", None),
        ("opus_audio_only", None),
        ("video_only", None),
        ("vfr", None),
        ("start_offset", None),
        ("interlaced", None),
    ],
)
def test_clip(clip, ladder, make_clip, run_worker, ffmpeg_exe):
    source = make_clip(clip)
    manifest = check_encoded(run_worker(source, ladder=ladder), source, ffmpeg_exe)
    renditions = manifest.hls.renditions
    if clip == "odd_641x479":
        # 479 lies between the 480 and 360 rungs: one rung at source height, even sizes
        assert [(r.width, r.height) for r in renditions] == [(640, 478), (482, 360), (322, 240)]
        assert renditions[0].video_kbps == round(1400 * (478 / 480) ** 2)
    elif clip == "opus_audio_only":
        assert manifest.hls.audio_only and [r.name for r in renditions] == ["audio"]
        assert renditions[0].width is None and renditions[0].codecs == "mp4a.40.2"
        assert [m.path for m in manifest.mp4] == ["mp4/audio.m4a"]
    elif clip == "video_only":
        assert all(r.audio_kbps is None and "mp4a" not in r.codecs for r in renditions)
    elif clip == "start_offset":
        assert manifest.source.start_time >= 10
    elif clip == "yuv444":
        assert manifest.source.pix_fmt == "yuv444p"


def test_storyboard_grid_with_unused_cells(make_clip, run_worker, ffmpeg_exe):
    """13 thumbnails do not fill the grid: the cells left over are black (checked in
    check_encoded), not uninitialised memory."""
    source = make_clip("storyboard_13s")
    manifest = check_encoded(run_worker(source), source, ffmpeg_exe)
    board = manifest.storyboard
    assert board.columns * board.rows > 13, (board.columns, board.rows)


def test_rotated_clip_honours_display_matrix(rotated_clip, run_worker, ffmpeg_exe):
    run = run_worker(rotated_clip)
    manifest = check_encoded(run, rotated_clip, ffmpeg_exe)
    # coded 320x240 shown a quarter turn: 240x320 portrait; the 360 rung is dropped and
    # a 320-px rung added at source (display) height
    assert manifest.source.rotation in (90, 270)
    assert [(r.width, r.height) for r in manifest.hls.renditions] == [
        (240, 320),
        (180, 240),
        (108, 144),
    ]


@pytest.mark.parametrize("case", ["png_renamed", "empty", "truncated", "truncated_faststart"])
def test_bad_sources_fail_and_publish_nothing(
    case, tmp_path, make_clip, ffmpeg_exe, run_worker, callback_receiver
):
    source = tmp_path / "upload.mp4"
    expected = "unsupported_media"
    if case == "png_renamed":
        subprocess.run(
            [ffmpeg_exe, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x64",
             "-frames:v", "1", "-f", "image2", "-c:v", "png", str(source)],
            check=True,
        )  # fmt: skip
    elif case == "empty":
        source.write_bytes(b"")
    else:
        whole = make_clip("plain" if case == "truncated" else "faststart").read_bytes()
        source.write_bytes(whole[: len(whole) // 2])
        if case == "truncated_faststart":
            expected = "truncated_media"
    run = run_worker(source, callback=callback_receiver)
    assert run.returncode == 1, run.stderr[-2000:]
    assert not run.output_dir.exists() and not list(run.output_dir.parent.glob("*"))
    types = [e.type for e in callback_receiver.accepted]
    assert types == ["encoding.running", "encoding.failed"]
    failed = callback_receiver.events("encoding.failed")[0].data
    assert failed["reason"] == expected, failed
    assert failed["message"]


def test_invalid_spec_exits_2_and_reports(tmp_path, make_clip, run_worker, callback_receiver):
    run = run_worker(make_clip("plain"), callback=callback_receiver, segmentDuration=99)
    assert run.returncode == 2
    failed = callback_receiver.events("encoding.failed")
    assert [e.data["reason"] for e in failed] == ["invalid_spec"]


def test_s3_output_fails_with_storage_error(make_clip, run_worker, callback_receiver):
    run = run_worker(make_clip("plain"), callback=callback_receiver, output="s3://bucket/v/")
    assert run.returncode == 1
    failed = callback_receiver.events("encoding.failed")[0].data
    assert failed["reason"] == "storage_error" and "s3" in failed["message"]


def test_worker_retries_a_503_callback_with_the_same_webhook_id(
    make_clip, run_worker, callback_receiver
):
    callback_receiver.statuses = [503, 503]  # the first two requests: encoding.running
    run = run_worker(make_clip("opus_audio_only"), callback=callback_receiver)
    assert run.returncode == 0, run.stderr[-2000:]
    first_three = callback_receiver.requests[:3]
    assert [r.status for r in first_three] == [503, 503, 200]
    assert {r.msg_id for r in first_three} == {f"msg_{run.spec['jobId'].replace('-', '')}_running"}
    assert [e.type for e in callback_receiver.accepted][-1] == "encoding.succeeded"


def test_sigterm_kills_ffmpeg_publishes_nothing_and_reports_no_failure(
    make_clip, tmp_path, webhook_secret, callback_receiver
):
    output = tmp_path / "out" / "video"
    spec = {
        "jobId": str(uuid.uuid4()), "videoId": str(uuid.uuid4()),
        "source": make_clip("hd1080").as_uri(), "output": output.as_uri() + "/",
        "ladder": [{"name": "1080p", "height": 1080, "videoKbps": 5000, "audioKbps": 128},
                   *SMALL_LADDER],
        "callbackUrl": callback_receiver.url,
    }  # fmt: skip
    env = {**os.environ, "CALLBACK_SIGNING_SECRET": webhook_secret,
           "MEDIA_ENCODE_X264_PRESET": "medium"}  # fmt: skip
    proc = subprocess.Popen(
        [*media_encode_command(), "--spec", json.dumps(spec)],  # inline JSON spec
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    worker = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    # the first progress event: the encoding ffmpeg runs
    while not callback_receiver.events("encoding.progress") and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    ffmpeg = [c for c in worker.children() if "ffmpeg" in c.name()]
    assert ffmpeg, "ffmpeg is not running"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr[-2000:]
    assert not ffmpeg[0].is_running() or ffmpeg[0].status() == psutil.STATUS_ZOMBIE
    assert not output.exists()
    assert {e.type for e in callback_receiver.accepted} == {
        "encoding.running",
        "encoding.progress",
    }, (callback_receiver.requests, stderr[-3000:])


def test_running_refused_by_the_api_aborts_with_exit_3(make_clip, run_worker, callback_receiver):
    callback_receiver.by_type = {"encoding.running": 410}
    run = run_worker(make_clip("plain"), callback=callback_receiver)
    assert run.returncode == 3, run.stderr[-2000:]
    assert [r.status for r in callback_receiver.requests] == [410]  # no retry, nothing else
    assert not run.output_dir.exists()


def test_undeliverable_success_exits_3_with_outputs_published(
    make_clip, run_worker, callback_receiver
):
    callback_receiver.by_type = {"encoding.succeeded": 400}
    run = run_worker(make_clip("opus_audio_only"), callback=callback_receiver)
    assert run.returncode == 3, run.stderr[-2000:]
    assert (run.output_dir / "manifest.json").exists()


def test_worker_runs_without_django_and_without_callback(make_clip, run_worker):
    run = run_worker(make_clip("video_only"))  # no callbackUrl: no reports, still exit 0
    assert run.returncode == 0, run.stderr[-2000:]
    code = (
        "import sys\n"
        "from podv5_media.encode import cli, run  # noqa\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('django'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
