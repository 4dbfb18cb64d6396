"""A long video in chunks, for real: a generated 12 s clip (keyframes every 1.8 s, off the
4 s segment grid; 44.1 kHz audio) encoded in one pass and in 3 chunks + the audio step by
the real ``media-encode`` (its child processes, as the local backend runs it), then
compared: the joined ladder has the one-pass output's frames (count, timestamps: no gap,
no repeat at the cuts), its sound (every audio frame at the same instant), one init
segment per rendition, and ffmpeg plays its master playlist without an error.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import subprocess
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path

import av
import m3u8
import pytest

from podv5_contract.outputs import Manifest
from podv5_contract.spec import EncodingJobSpec
from podv5_media.encode import chunked
from podv5_media.encode.report import Reporter
from podv5_media.encode.run import ExitCode, WorkerConfig

from ..conftest import CallbackReceiver, WorkerRun, _handler, media_encode_command

pytestmark = pytest.mark.media

LADDER = [
    {"name": "180p", "height": 180, "videoKbps": 300, "audioKbps": 96},
    {"name": "120p", "height": 120, "videoKbps": 150, "audioKbps": 64},
]


@pytest.fixture(scope="module")
def long_clip(ffmpeg_exe, tmp_path_factory) -> Path:
    """12 s, 320x180 at 25 fps, a keyframe every 45 frames (1.8 s), mono 44.1 kHz AAC."""
    path = tmp_path_factory.mktemp("chunked") / "lecture.mp4"
    subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=12",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=12",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "45", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def _encodes(long_clip, tmp_path_factory):
    """(one pass, chunked, the callbacks of the chunked run), each by the real worker."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    root = tmp_path_factory.mktemp("encodes")
    receiver = CallbackReceiver(secret=secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver, threading.Lock()))
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    runs = []
    try:
        for name, extra in (("single", {}), ("chunked", {"chunks": 3})):
            output = root / name
            spec = {
                "jobId": str(uuid.uuid4()),
                "videoId": str(uuid.uuid4()),
                "source": long_clip.as_uri(),
                "output": output.as_uri() + "/",
                "ladder": LADDER,
                "segmentDuration": 4,
                # the same rungs both ways: one-pass PerTitle may drop a rate-starved
                # rung, a chunked job never does (test_chunked_per_title.py)
                "rateControl": "CappedCRF",
                **extra,
            }
            if extra:
                spec["callbackUrl"] = receiver.url
            env = {**os.environ, "CALLBACK_SIGNING_SECRET": secret,
                   "MEDIA_ENCODE_SCRATCH_DIR": str(root / "scratch"),
                   "MEDIA_ENCODE_CHUNK_WORKERS": "2"}  # fmt: skip
            started = time.monotonic()
            proc = subprocess.run(
                [*media_encode_command(), "--spec", json.dumps(spec)],
                env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            runs.append(WorkerRun(proc.returncode, proc.stderr, output, spec,
                                  time.monotonic() - started))  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return runs[0], runs[1], receiver


def _frames(playlist: Path, kind: str) -> list[float]:
    with av.open(str(playlist)) as container:
        stream = container.streams.video[0] if kind == "video" else container.streams.audio[0]
        return [round(frame.time, 5) for frame in container.decode(stream)]


def test_chunked_output_has_the_one_pass_frames_and_sound(_encodes):
    single, chunked_run, _ = _encodes
    assert single.returncode == 0, single.stderr[-3000:]
    assert chunked_run.returncode == 0, chunked_run.stderr[-3000:]
    one, joined = single.output_dir, chunked_run.output_dir

    for rendition in ("180p", "120p"):
        expected = _frames(one / f"hls/{rendition}/index.m3u8", "video")
        got = _frames(joined / f"hls/{rendition}/index.m3u8", "video")
        assert len(got) == len(expected) == 300  # 12 s at 25 fps: every frame once
        assert got == expected  # same instants: nothing repeated or missing at the cuts
        steps = [b - a for a, b in pairwise(got)]
        assert steps == pytest.approx([0.04] * len(steps), abs=2e-5)

    # the sound, encoded once: every audio frame where the one-pass encode has it
    tracks = [m.uri for m in m3u8.load(str(one / "hls/master.m3u8")).media]
    assert tracks
    for uri in tracks:
        expected = _frames(one / "hls" / uri, "audio")
        got = _frames(joined / "hls" / uri, "audio")
        assert len(got) == len(expected) > 500
        assert got == expected
        steps = [b - a for a, b in pairwise(got)]
        assert steps == pytest.approx([1024 / 48000] * len(steps), abs=2e-5)


def test_chunked_output_is_one_playable_ladder(_encodes, ffmpeg_exe):
    single, run, receiver = _encodes
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.output_dir
    master = m3u8.load(str(out / "hls/master.m3u8"))
    one_pass = m3u8.load(str(single.output_dir / "hls/master.m3u8"))
    assert [p.uri for p in master.playlists] == ["180p/index.m3u8", "120p/index.m3u8"]
    # the same alternate audio rendition(s) as the one-pass encode's, in the same group
    assert [(m.group_id, m.uri, m.language, m.default) for m in master.media] == [
        (m.group_id, m.uri, m.language, m.default) for m in one_pass.media
    ]
    for variant, expected in zip(master.playlists, one_pass.playlists, strict=True):
        assert variant.stream_info.codecs == expected.stream_info.codecs
        assert variant.stream_info.audio == expected.stream_info.audio
        media = m3u8.load(str(out / "hls" / variant.uri))
        # the three chunks' segments, in order, under one init segment
        assert [s.uri for s in media.segments] == [f"seg_{n:05d}.m4s" for n in range(3)]
        assert {s.init_section.uri for s in media.segments} == {f"init_{variant.uri[:4]}.mp4"}
        assert sum(s.duration for s in media.segments) == pytest.approx(12.0)
        assert len(list((out / "hls" / variant.uri).parent.glob("init_*.mp4"))) == 1

    played = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-v", "error", "-i", str(out / "hls/master.m3u8"),
         "-map", "0", "-f", "null", "-"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert played.returncode == 0 and played.stderr == "", played.stderr

    manifest = Manifest.model_validate(json.loads((out / "manifest.json").read_text()))
    assert manifest.duration == pytest.approx(12.0, abs=0.05)
    assert manifest.poster and (out / manifest.poster).stat().st_size > 0
    assert manifest.storyboard is not None and (out / manifest.storyboard.image).is_file()
    [mp4] = manifest.mp4
    with av.open(str(out / mp4.path)) as container:  # the fallback: the joined rung + sound
        assert container.streams.video[0].frames == 300 and container.streams.audio
    assert not (out / "chunks").exists()  # the steps' outputs are gone

    events = [r.type for r in receiver.accepted]
    assert events[-1] == "encoding.succeeded" and "encoding.failed" not in events
    progress = [r.data["progress"] for r in receiver.events("encoding.progress")]
    assert progress == sorted(progress) and progress  # the steps' progress, then the join's


def test_storyboard_matches_the_one_pass_sprite(_encodes):
    single, run, _ = _encodes
    with av.open(str(single.output_dir / "storyboard/sprite.jpg")) as a:
        one = a.streams.video[0]
        with av.open(str(run.output_dir / "storyboard/sprite.jpg")) as b:
            joined = b.streams.video[0]
            assert (joined.width, joined.height) == (one.width, one.height)
    assert (run.output_dir / "storyboard/storyboard.vtt").read_text() == (
        single.output_dir / "storyboard/storyboard.vtt"
    ).read_text()


def test_steps_run_as_pods_and_a_foreign_init_segment_fails_the_join(long_clip, tmp_path, caplog):
    """Each step run alone, as a pod of the Indexed Job runs it (JOB_COMPLETION_INDEX),
    then the join: a chunk whose init segment differs is refused with a clear error."""
    spec = EncodingJobSpec(
        job_id=uuid.uuid4(), video_id=uuid.uuid4(), source=long_clip.as_uri(),
        output=(tmp_path / "out").as_uri() + "/", ladder=LADDER, segment_duration=4, chunks=3,
    )  # fmt: skip
    config = WorkerConfig.from_env({"MEDIA_ENCODE_SCRATCH_DIR": str(tmp_path / "scratch")})
    for index in range(4):
        env = {"MEDIA_ENCODE_STEP": "chunk", "JOB_COMPLETION_INDEX": str(index)}
        assert chunked.run_chunked(spec, config, Reporter(spec, None), env) == ExitCode.OK
    steps = tmp_path / "out" / "chunks"
    kinds = [json.loads((steps / f"{i:03d}/manifest.json").read_text())["kind"] for i in range(4)]
    assert kinds == ["video", "video", "video", "audio"]

    init = steps / "001/hls/120p/init_120p.mp4"
    data = bytearray(init.read_bytes())
    data[-1] ^= 0xFF  # another encoder's init segment
    init.write_bytes(bytes(data))
    caplog.set_level(logging.ERROR)
    join = {"MEDIA_ENCODE_STEP": "join"}
    assert chunked.run_chunked(spec, config, Reporter(spec, None), join) == ExitCode.FAILED
    assert "invalid_output" in caplog.text
    assert "init segment of chunk 1 differs from chunk 0's" in caplog.text
    assert not (tmp_path / "out" / "manifest.json").exists()  # nothing published


def test_a_step_without_its_index_is_a_usage_error(long_clip, tmp_path):
    spec = EncodingJobSpec(
        job_id=uuid.uuid4(), video_id=uuid.uuid4(), source=long_clip.as_uri(),
        output=(tmp_path / "out").as_uri() + "/", ladder=LADDER, chunks=3,
    )  # fmt: skip
    config = WorkerConfig.from_env({})
    for env in ({"MEDIA_ENCODE_STEP": "chunk"},
                {"MEDIA_ENCODE_STEP": "chunk", "JOB_COMPLETION_INDEX": "4"},
                {"MEDIA_ENCODE_STEP": "merge"}):  # fmt: skip
        assert chunked.run_chunked(spec, config, Reporter(spec, None), env) == ExitCode.USAGE


def test_a_failing_step_fails_the_job_and_leaves_nothing(tmp_path, caplog):
    """Every step as child processes (the local backend's way): a source that is no media
    fails its steps; the job fails with the step's exit, nothing is published and the
    steps' outputs are gone."""
    source = tmp_path / "notes.mp4"
    source.write_bytes(b"not a video at all\n" * 100)
    spec = EncodingJobSpec(
        job_id=uuid.uuid4(), video_id=uuid.uuid4(), source=source.as_uri(),
        output=(tmp_path / "out").as_uri() + "/", ladder=LADDER, chunks=2,
    )  # fmt: skip
    config = WorkerConfig.from_env({"MEDIA_ENCODE_SCRATCH_DIR": str(tmp_path / "scratch")})
    caplog.set_level(logging.ERROR)
    env = {"MEDIA_ENCODE_CHUNK_WORKERS": "2"}
    assert chunked.run_chunked(spec, config, Reporter(spec, None), env) == ExitCode.FAILED
    assert "chunk_failed" in caplog.text and "exited with code 1" in caplog.text
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not (tmp_path / "out" / "chunks").exists()
