"""Output formats beyond the plain ladder, on real encodes of generated sources:

- several audio languages -> HLS alternate audio renditions (EXT-X-MEDIA TYPE=AUDIO, RFC
  8216 §4.3.4.1) encoded once and shared by every video rendition, and the same in DASH;
- the DASH MPD over the same CMAF segments decodes with ffmpeg;
- HDR (PQ and HLG) sources tone-mapped to SDR BT.709 and labelled so.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import av
import m3u8
import pytest

from podv5_contract.outputs import Manifest
from podv5_media.encode.command import tone_map_filters
from tests.hdr import make_hdr_clip

pytestmark = pytest.mark.media

LADDER = [
    {"name": "240p", "height": 240, "videoKbps": 400, "audioKbps": 96},
    {"name": "144p", "height": 144, "videoKbps": 200, "audioKbps": 64},
]
TONES = {"en": 440, "fr": 880, "en-ad": 660}  # Hz of each source audio track
MPD_NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}


def _sine(freq: int, d: int = 4) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000:duration={d}"]


@pytest.fixture(scope="module")
def three_track_clip(ffmpeg_exe, tmp_path_factory) -> Path:
    """4 s, 320x240: English (default, 440 Hz), French (titled, 880 Hz) and an English
    audio description (visual_impaired disposition, 660 Hz), in Matroska (keeps titles)."""
    path = tmp_path_factory.mktemp("formats") / "three_tracks.mkv"
    cmd = [
        ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
        *_sine(TONES["en"]), *_sine(TONES["fr"]), *_sine(TONES["en-ad"]),
        "-map", "0", "-map", "1", "-map", "2", "-map", "3",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-metadata:s:a:0", "language=eng", "-metadata:s:a:0", "title=English",
        "-metadata:s:a:1", "language=fre", "-metadata:s:a:1", "title=Français",
        "-metadata:s:a:2", "language=eng",
        "-disposition:a:0", "default", "-disposition:a:1", "0",
        "-disposition:a:2", "visual_impaired",
        str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return path


def _hdr_clip(ffmpeg: str, folder: Path, transfer: str) -> Path:
    """3 s, 320x240, 10-bit HEVC BT.2020 with the HDR ``transfer`` (conftest)."""
    return make_hdr_clip(ffmpeg, folder / f"hdr-{transfer}.mp4", transfer)


def _manifest(run) -> Manifest:
    assert run.returncode == 0, run.stderr[-3000:]
    return Manifest.model_validate(json.loads((run.output_dir / "manifest.json").read_text()))


def _dominant_hz(path: Path) -> float:
    """The frequency of a pure tone, from the zero crossings of its first channel."""
    with av.open(str(path)) as container:
        samples: list[float] = []
        for frame in container.decode(audio=0):
            samples.extend(frame.to_ndarray()[0].tolist())
            if len(samples) >= 48_000:
                break
    crossings = sum(1 for a, b in zip(samples, samples[1:], strict=False) if a < 0 <= b)
    return crossings * 48_000 / len(samples)


def _frame_count(ffmpeg: str, url: str, stream: str) -> int:
    out = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-i", url, "-map", stream,
         "-f", "framemd5", "-"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    return sum(1 for line in out.splitlines() if line and not line.startswith("#"))


def test_each_audio_language_becomes_an_alternate_rendition(
    three_track_clip, run_worker, ffmpeg_exe
):
    run = run_worker(three_track_clip, ladder=LADDER)
    manifest = _manifest(run)
    out = run.output_dir

    audio = {a.name: a for a in manifest.hls.audio}
    assert list(audio) == ["audio-en", "audio-fr", "audio-en-2"]
    assert [a.default for a in audio.values()] == [True, False, False]
    assert audio["audio-en-2"].descriptions and not audio["audio-en"].descriptions

    master = m3u8.load(str(out / manifest.hls.master))
    media = {m.uri.split("/")[0]: m for m in master.media}
    assert media["audio-en"].language == "en" and media["audio-en"].name == "English"
    assert media["audio-fr"].language == "fr" and media["audio-fr"].name == "Français"
    assert media["audio-en"].default == "YES" and media["audio-fr"].default == "NO"
    assert media["audio-en-2"].characteristics == "public.accessibility.describes-video"
    assert {m.group_id for m in master.media} == {"audio"}
    audio_peak = max(a.bandwidth for a in audio.values())
    for playlist, rendition in zip(master.playlists, manifest.hls.renditions, strict=True):
        info = playlist.stream_info
        assert info.audio == "audio" and info.codecs.endswith(",mp4a.40.2")
        # BANDWIDTH covers the variant plus the largest rendition of its audio group
        assert info.bandwidth == rendition.bandwidth + audio_peak

    # the right source track went into each rendition, encoded once (not per video rung)
    for name, tone in (("audio-en", "en"), ("audio-fr", "fr"), ("audio-en-2", "en-ad")):
        assert _dominant_hz(out / audio[name].playlist) == pytest.approx(TONES[tone], rel=0.03)
    for rendition in manifest.hls.renditions:
        with av.open(str(out / rendition.playlist)) as container:
            assert not container.streams.audio
    # the MP4 fallback carries the default language
    assert _dominant_hz(out / manifest.mp4[0].path) == pytest.approx(TONES["en"], rel=0.03)


def test_dash_mpd_over_the_same_segments_decodes(three_track_clip, run_worker, ffmpeg_exe):
    run = run_worker(three_track_clip, ladder=LADDER)
    manifest = _manifest(run)
    out = run.output_dir.resolve()
    assert manifest.dash is not None
    mpd_path = out / manifest.dash.mpd
    mpd = ET.parse(mpd_path).getroot()

    sets = mpd.findall("d:Period/d:AdaptationSet", MPD_NS)
    video = [s for s in sets if s.get("contentType") == "video"]
    audio = [s for s in sets if s.get("contentType") == "audio"]
    assert len(video) == 1 and len(audio) == 3
    assert [s.get("lang") for s in audio] == ["en", "fr", "en"]
    roles = [s.find("d:Role", MPD_NS).get("value") for s in audio]
    assert roles == ["main", "alternate", "description"]
    reps = video[0].findall("d:Representation", MPD_NS)
    assert [r.get("id") for r in reps] == [r.name for r in manifest.hls.renditions]

    # no second copy: every URL the MPD names is a file of the HLS ladder
    hls_files = {p.relative_to(mpd_path.parent).as_posix() for p in mpd_path.parent.rglob("*")}
    for template in mpd.iter(f"{{{MPD_NS['d']}}}SegmentTemplate"):
        assert template.get("initialization") in hls_files
        media = template.get("media").replace("$Number%05d$", "00000")
        assert media in hls_files
    assert not [p for p in out.rglob("*.m4s") if p.parent.parent.name != "hls"]

    # ffmpeg decodes it; same frames as the HLS variant, every audio language
    decoded = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-v", "error", "-i", str(mpd_path),
         "-map", "0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr[-2000:]
    top = out / manifest.hls.renditions[0].playlist
    assert _frame_count(ffmpeg_exe, str(mpd_path), "0:v:0") == _frame_count(
        ffmpeg_exe, str(top), "0:v:0"
    )
    # (PyAV's libavformat has no DASH demuxer: ask ffmpeg what it sees)
    listing = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-i", str(mpd_path)],
        capture_output=True, text=True, timeout=60,
    ).stderr  # fmt: skip
    languages = re.findall(r"Stream #0:\d+\((\w+)\): Audio: aac", listing)
    assert languages == ["en", "fr", "en"]


def _rgb(ffmpeg: str, source: str, vf: str | None = None, *, lavfi: bool = False) -> bytes:
    """The frame at 1 s of ``source`` (a file, or a lavfi graph) as RGB24 bytes."""
    fmt = ["-f", "lavfi"] if lavfi else []
    cmd = [ffmpeg, "-v", "error", *fmt, "-i", source, "-ss", "1", "-frames:v", "1"]
    cmd += ["-vf", vf] if vf else []
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    return subprocess.run(cmd, capture_output=True, check=True, timeout=60).stdout


def _mean_abs_diff(a: bytes, b: bytes) -> float:
    assert len(a) == len(b) > 0
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


@pytest.mark.parametrize("transfer, name", [("smpte2084", "pq"), ("arib-std-b67", "hlg")])
def test_hdr_source_is_tone_mapped_to_sdr_bt709(transfer, name, run_worker, ffmpeg_exe, tmp_path):
    source = _hdr_clip(ffmpeg_exe, tmp_path, transfer)
    run = run_worker(source, ladder=LADDER)
    manifest = _manifest(run)
    assert manifest.hls.tone_mapped_from == name
    top = run.output_dir / manifest.hls.renditions[0].playlist

    # 8-bit H.264 labelled BT.709 (not PQ/HLG: players would show washed-out colours)
    with av.open(str(top)) as container:
        ctx = container.streams.video[0].codec_context
        assert ctx.pix_fmt == "yuv420p"
        assert (ctx.color_trc, ctx.color_primaries, ctx.colorspace) == (1, 1, 1)  # BT.709
    with av.open(str(run.output_dir / manifest.mp4[0].path)) as container:
        assert container.streams.video[0].codec_context.color_trc == 1

    # colours: those of a reference tone-map of the source (only the encode's loss apart),
    # and far closer to the SDR picture the HDR source was made from than the untouched
    # conversion the pipeline used to make
    ours = _rgb(ffmpeg_exe, str(top))
    reference = _rgb(ffmpeg_exe, str(source), tone_map_filters(name))
    untouched = _rgb(ffmpeg_exe, str(source), "scale=out_color_matrix=bt709,format=yuv420p")
    sdr = _rgb(ffmpeg_exe, "testsrc2=size=320x240:rate=25:duration=3", lavfi=True)
    assert _mean_abs_diff(ours, reference) < 4
    assert _mean_abs_diff(ours, sdr) < 0.75 * _mean_abs_diff(untouched, sdr)
