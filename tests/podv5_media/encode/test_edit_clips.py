"""Editing at encode time, end to end: the real ``media-encode`` on generated clips with
an ``edit`` in its spec, the outputs decoded with PyAV.

- cut: a clip whose frames show their own number (luma = 5 n + 20) is trimmed and has a
  segment removed; the output holds exactly the kept frames, in order, and its audio
  lasts as long as its video;
- watermark: a solid red square over a solid blue clip is found, pixel by pixel, in the
  corner asked for (and blended at half opacity);
- credits: opening (other size and aspect, no audio) and closing (44.1 kHz audio) clips
  are letterboxed to the source's size and the durations add up;
- a cut past the end of the source fails with ``invalid_edit`` and publishes nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from podv5_contract.outputs import Manifest

pytestmark = pytest.mark.media

LADDER = [{"name": "240p", "height": 240, "videoKbps": 400, "audioKbps": 64}]
#: one AAC frame (1024 samples at 48 kHz) and some
AUDIO_SLACK = 0.05


def lavfi(ffmpeg: str, path: Path, *inputs: str, extra: tuple[str, ...] = ()) -> Path:
    if not path.exists():
        args = [a for source in inputs for a in ("-f", "lavfi", "-i", source)]
        subprocess.run(
            [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args, *extra,
             str(path)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    return path


H264_AAC = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac")


@pytest.fixture(scope="session")
def counter_clip(ffmpeg_exe, clips_dir) -> Path:
    """4 s at 10 frame/s, 160x120: frame n has luma 5 n + 20; a 440 Hz tone."""
    return lavfi(
        ffmpeg_exe,
        clips_dir / "counter.mp4",
        "color=c=black:s=160x120:r=10:d=4,geq=lum='N*5+20':cb=128:cr=128",
        "sine=frequency=440:sample_rate=48000:duration=4",
        extra=(*H264_AAC, "-shortest"),
    )


@pytest.fixture(scope="session")
def blue_clip(ffmpeg_exe, clips_dir) -> Path:
    """2 s of solid blue, 320x240, 25 frame/s, with a tone."""
    return lavfi(
        ffmpeg_exe,
        clips_dir / "blue.mp4",
        "color=c=blue:s=320x240:r=25:d=2",
        "sine=frequency=440:sample_rate=48000:duration=2",
        extra=(*H264_AAC, "-shortest"),
    )


@pytest.fixture(scope="session")
def red_png(ffmpeg_exe, clips_dir) -> Path:
    return lavfi(ffmpeg_exe, clips_dir / "red.png", "color=c=red:s=64x64", extra=("-frames:v", "1"))


def decode_frames(playlist: Path) -> list[np.ndarray]:
    """Every video frame of an HLS variant, as RGB arrays, in order."""
    with av.open(str(playlist)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def audio_seconds(playlist: Path) -> float:
    with av.open(str(playlist)) as container:
        stream = container.streams.audio[0]
        return sum(f.samples for f in container.decode(stream)) / stream.sample_rate


def counter_of(frame: np.ndarray) -> int:
    """The frame number a counter-clip frame shows (from its mean luma)."""
    gray = frame.mean()  # full range gray of a limited range luma
    luma = gray * 219 / 255 + 16
    return round((luma - 20) / 5)


def encoded(run) -> tuple[Manifest, Path]:
    assert run.returncode == 0, run.stderr[-3000:]
    manifest = Manifest.model_validate_json((run.output_dir / "manifest.json").read_text())
    return manifest, run.output_dir / manifest.hls.renditions[0].playlist


def audio_playlist(run, manifest: Manifest) -> Path:
    """The default alternate audio rendition's playlist."""
    return run.output_dir / manifest.hls.audio[0].playlist


def test_trim_and_removed_segment_keep_exactly_the_frames_asked_for(counter_clip, run_worker):
    edit = {"trim": {"start": 0.5, "end": 3.5}, "remove": [{"start": 1.2, "end": 2.0}]}
    run = run_worker(counter_clip, ladder=LADDER, edit=edit)
    manifest, playlist = encoded(run)
    shown = [counter_of(frame) for frame in decode_frames(playlist)]
    # frames 5..11 (0.5-1.2 s) then 20..34 (2.0-3.5 s): 22 frames, 2.2 s, nothing else
    assert shown == [*range(5, 12), *range(20, 35)]
    assert manifest.duration == pytest.approx(2.2, abs=0.01)
    assert abs(audio_seconds(audio_playlist(run, manifest)) - 2.2) <= AUDIO_SLACK
    for mp4 in manifest.mp4:  # the MP4 fallback is a remux of the same rendition
        assert [counter_of(f) for f in decode_frames(run.output_dir / mp4.path)] == shown


def test_cut_snaps_to_the_frame_grid(counter_clip, run_worker):
    # 0.53 s and 1.27 s are not on the 10 frame/s grid: frames 5..12 (0.5-1.3 s) stay
    manifest, playlist = encoded(
        run_worker(counter_clip, ladder=LADDER, edit={"trim": {"start": 0.53, "end": 1.27}})
    )
    assert [counter_of(f) for f in decode_frames(playlist)] == list(range(5, 13))
    assert manifest.duration == pytest.approx(0.8, abs=0.01)


@pytest.mark.parametrize(
    ("position", "corner"),
    [("top-left", (0, 0)), ("bottom-right", (-1, -1))],
)
def test_watermark_sits_in_its_corner(blue_clip, red_png, run_worker, position, corner):
    edit = {"watermark": {"image": red_png.as_uri(), "position": position, "width": 0.25}}
    manifest, playlist = encoded(run_worker(blue_clip, ladder=LADDER, edit=edit))
    frame = decode_frames(playlist)[10]
    height, width, _ = frame.shape
    # 0.25 x 320 = an 80 px square, 3 % of 240 = 7 px from the edges
    size, margin = 80, 7
    ys = (margin, margin + size) if corner[0] == 0 else (height - margin - size, height - margin)
    xs = (margin, margin + size) if corner[1] == 0 else (width - margin - size, width - margin)
    inside = frame[ys[0] + 4 : ys[1] - 4, xs[0] + 4 : xs[1] - 4].reshape(-1, 3).mean(axis=0)
    assert inside[0] > 200 and inside[2] < 60, inside  # red
    opposite = frame[height - ys[1] + 4 : height - ys[0] - 4, width - xs[1] + 4 : width - xs[0] - 4]
    far = opposite.reshape(-1, 3).mean(axis=0)
    assert far[2] > 200 and far[0] < 60, far  # still blue
    assert manifest.duration == pytest.approx(2.0, abs=0.05)


def test_watermark_opacity_blends(blue_clip, red_png, run_worker):
    edit = {"watermark": {"image": red_png.as_uri(), "position": "top-left", "opacity": 0.5}}
    _, playlist = encoded(run_worker(blue_clip, ladder=LADDER, edit=edit))
    frame = decode_frames(playlist)[5]
    # 0.15 x 320 = 48 px from 7 px: half red, half blue
    r, _, b = frame[12:50, 12:50].reshape(-1, 3).mean(axis=0)
    assert 90 < r < 170 and 90 < b < 170, (r, b)


def test_credits_are_letterboxed_and_durations_add_up(ffmpeg_exe, clips_dir, blue_clip, run_worker):
    opening = lavfi(  # 1 s, 16:9, no audio
        ffmpeg_exe,
        clips_dir / "opening.mp4",
        "color=c=white:s=320x180:r=30:d=1",
        extra=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
    )
    closing = lavfi(  # 1.5 s, 44.1 kHz mono audio
        ffmpeg_exe,
        clips_dir / "closing.mp4",
        "color=c=green:s=160x120:r=25:d=1.5",
        "sine=frequency=880:sample_rate=44100:duration=1.5",
        extra=(*H264_AAC, "-ac", "1", "-shortest"),
    )
    edit = {"opening": opening.as_uri(), "closing": closing.as_uri()}
    run = run_worker(blue_clip, ladder=LADDER, edit=edit)
    manifest, playlist = encoded(run)
    frames = decode_frames(playlist)
    assert len(frames) == 25 + 50 + 38  # 1 s + 2 s + 1.5 s at 25 frame/s (37.5 → 38)
    assert manifest.duration == pytest.approx(4.52, abs=0.05)
    assert abs(audio_seconds(audio_playlist(run, manifest)) - 4.52) <= AUDIO_SLACK
    first = frames[12]
    assert first.shape[:2] == (240, 320)  # the source's size
    assert first[5:25].mean() < 30  # a black band above the 16:9 opening
    assert first[100:140].mean() > 220  # white in the middle
    content = frames[25 + 25].reshape(-1, 3).mean(axis=0)
    assert content[2] > 200  # blue
    last = frames[-5].reshape(-1, 3).mean(axis=0)
    assert last[1] > 100 and last[0] < 60  # green


def test_cut_past_the_end_fails_with_invalid_edit(counter_clip, run_worker, callback_receiver):
    run = run_worker(
        counter_clip,
        ladder=LADDER,
        callback=callback_receiver,
        edit={"trim": {"start": 1, "end": 9}},
    )
    assert run.returncode == 1
    failed = callback_receiver.events("encoding.failed")[0].data
    assert failed["reason"] == "invalid_edit" and "past the end" in failed["message"]
    assert not run.output_dir.exists()


def test_manifest_is_the_edited_one(counter_clip, run_worker):
    edit = {"trim": {"start": 1.0}}
    manifest, _ = encoded(run_worker(counter_clip, ladder=LADDER, edit=edit))
    document = json.loads(manifest.model_dump_json())
    assert document["duration"] == pytest.approx(3.0, abs=0.01)
    assert document["source"]["duration"] == pytest.approx(4.0, abs=0.01)  # the source's


def test_every_audio_language_is_cut_and_dressed_alike(ffmpeg_exe, clips_dir, run_worker):
    source = clips_dir / "two_languages.mp4"
    if not source.exists():
        subprocess.run(
            [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
             "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000:duration=4",
             "-map", "0", "-map", "1", "-map", "2", *H264_AAC,
             "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre",
             "-shortest", str(source)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    closing = lavfi(
        ffmpeg_exe,
        clips_dir / "closing_silent.mp4",
        "color=c=black:s=320x240:r=25:d=1",
        extra=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
    )
    edit = {"remove": [{"start": 1, "end": 2}], "closing": closing.as_uri()}
    run = run_worker(source, ladder=LADDER, edit=edit)
    manifest, playlist = encoded(run)
    assert len(decode_frames(playlist)) == 75 + 25  # 3 s kept + 1 s of credits
    assert [a.language for a in manifest.hls.audio] == ["en", "fr"]
    for track in manifest.hls.audio:
        assert abs(audio_seconds(run.output_dir / track.playlist) - 4.0) <= AUDIO_SLACK
