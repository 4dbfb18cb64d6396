"""An HDR rendition kept beside the SDR ladder (``spec.hdr.keep``), on real encodes of
generated PQ and HLG sources (10-bit HEVC BT.2020):

- the HDR rendition is 10-bit HEVC Main10 (``hvc1``) with the source's transfer, BT.2020
  primaries and matrix, and (PQ) the source's HDR10 mastering display and light levels;
  the SDR ladder, MP4 fallback and poster stay 8-bit H.264 BT.709;
- the master playlist lists it with ``VIDEO-RANGE=PQ``/``HLG`` and its real ``CODECS``,
  the SDR variants with ``VIDEO-RANGE=SDR``; the MPD gives it an adaptation set of its own
  with CICP EssentialProperty descriptors and still plays in ffmpeg;
- an SDR source with the option on: no HDR rendition, no error;
- a cut (trim) applies to it as to the SDR ladder;
- a chunked encode makes the same HDR rendition as one pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import m3u8
import pytest

from podv5_contract.edit import EditSpec
from podv5_contract.outputs import Manifest
from podv5_contract.spec import EncodingJobSpec, Hdr
from podv5_media.encode.command import build_ffmpeg_command
from podv5_media.encode.ladder import plan_encoding
from podv5_media.probe import MediaInfo, VideoStreamInfo
from tests.hdr import make_hdr_clip

from ..conftest import media_encode_command

LADDER = [
    {"name": "240p", "height": 240, "videoKbps": 400, "audioKbps": 96},
    {"name": "144p", "height": 144, "videoKbps": 200, "audioKbps": 64},
]
MPD_NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}
CICP = "urn:mpeg:mpegB:cicp:"
#: libavutil's codes: AVCOL_TRC_SMPTE2084 / ARIB_STD_B67, AVCOL_PRI_BT2020, AVCOL_SPC_BT2020_NCL
TRC = {"PQ": 16, "HLG": 18}
BT2020 = 9
HEVC_MAIN_10 = 2  # AV_PROFILE_HEVC_MAIN_10


def _manifest(run) -> Manifest:
    assert run.returncode == 0, run.stderr[-3000:]
    return Manifest.model_validate(json.loads((run.output_dir / "manifest.json").read_text()))


def _first_frame(path: Path) -> tuple[av.VideoFrame, av.codec.context.CodecContext, float]:
    """The first decoded frame of ``path``, its decoder and the stream's start (s)."""
    container = av.open(str(path))
    stream = container.streams.video[0]
    frame = next(container.decode(stream))
    return frame, stream.codec_context, frame.time


def _hdr10(frame: av.VideoFrame) -> dict[str, bytes]:
    kinds = ("MASTERING_DISPLAY_METADATA", "CONTENT_LIGHT_LEVEL")
    found = {}
    for side in frame.side_data:
        kind = str(side.type).rsplit(".", 1)[-1]
        if kind in kinds:
            found[kind] = bytes(side)
    return found


def _count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.mark.media
@pytest.mark.parametrize("transfer, video_range", [("smpte2084", "PQ"), ("arib-std-b67", "HLG")])
def test_hdr_source_keeps_a_10_bit_hevc_rendition(
    transfer, video_range, run_worker, ffmpeg_exe, tmp_path
):
    source = make_hdr_clip(
        ffmpeg_exe, tmp_path / f"{transfer}.mp4", transfer, seconds=2, hdr10=video_range == "PQ"
    )
    run = run_worker(source, ladder=LADDER, hdr={"keep": True})
    manifest = _manifest(run)
    out = run.output_dir
    renditions = {r.name: r for r in manifest.hls.renditions}
    suffix = video_range.lower()
    assert list(renditions) == ["240p", "144p", f"240p-{suffix}"]
    hdr = renditions[f"240p-{suffix}"]
    assert [r.video_range for r in renditions.values()] == ["SDR", "SDR", video_range]
    assert (hdr.width, hdr.height) == (320, 240) and hdr.codecs.startswith("hvc1.2.")
    assert manifest.hls.tone_mapped_from == suffix

    # the HDR rendition: 10-bit HEVC Main10, the source's transfer, BT.2020
    frame, ctx, start = _first_frame(out / hdr.playlist)
    assert (ctx.name, ctx.profile, ctx.pix_fmt) == ("hevc", "Main 10", "yuv420p10le")
    assert (ctx.color_trc, ctx.color_primaries, ctx.colorspace) == (TRC[video_range], 9, 9)
    source_frame, _, _ = _first_frame(source)
    assert _hdr10(frame) == _hdr10(source_frame)  # HDR10 metadata passed through (PQ)
    if video_range == "PQ":
        assert set(_hdr10(frame)) == {"MASTERING_DISPLAY_METADATA", "CONTENT_LIGHT_LEVEL"}
    # its CODECS string is the stream's: Main10 (2) at the SPS's level
    assert hdr.codecs.split(".")[3] == f"L{ctx.level}"

    # the SDR ladder is as without the option: 8-bit H.264 BT.709, same frames, in step
    sdr_frame, sdr_ctx, sdr_start = _first_frame(out / renditions["240p"].playlist)
    assert (sdr_ctx.name, sdr_ctx.pix_fmt, sdr_ctx.color_trc) == ("h264", "yuv420p", 1)
    assert sdr_start == pytest.approx(start, abs=1e-3)  # one timeline: players switch
    assert _count(out / hdr.playlist) == _count(out / renditions["240p"].playlist) == 50
    assert [m.name for m in manifest.mp4] == ["240p"]  # the MP4 fallback stays SDR
    with av.open(str(out / manifest.mp4[0].path)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"

    # master playlist: VIDEO-RANGE on every video variant, the HDR one's CODECS
    master = m3u8.load(str(out / manifest.hls.master))
    ranges = {p.uri.split("/")[0]: p.stream_info.video_range for p in master.playlists}
    assert ranges == {"240p": "SDR", "144p": "SDR", f"240p-{suffix}": video_range}
    hdr_variant = next(p for p in master.playlists if p.uri.startswith("240p-"))
    assert hdr_variant.stream_info.codecs == hdr.codecs
    assert hdr_variant.stream_info.resolution == (320, 240)

    # DASH: the HDR representation in its own adaptation set, marked essential
    root = ET.parse(out / manifest.dash.mpd).getroot()
    sets = root.findall("d:Period/d:AdaptationSet[@contentType='video']", MPD_NS)
    assert len(sets) == 2
    sdr_set, hdr_set = sets
    assert [r.get("id") for r in sdr_set.findall("d:Representation", MPD_NS)] == ["240p", "144p"]
    assert not sdr_set.findall("d:EssentialProperty", MPD_NS)
    (rep,) = hdr_set.findall("d:Representation", MPD_NS)
    assert rep.get("id") == f"240p-{suffix}" and rep.get("codecs") == hdr.codecs
    essential = {
        e.get("schemeIdUri"): e.get("value") for e in hdr_set.findall("d:EssentialProperty", MPD_NS)
    }
    assert essential == {
        f"{CICP}ColourPrimaries": "9",
        f"{CICP}TransferCharacteristics": str(TRC[video_range]),
        f"{CICP}MatrixCoefficients": "9",
    }
    # ffmpeg's DASH demuxer reads it all and decodes the HDR representation as 10-bit
    # HEVC PQ/HLG (PyAV's libavformat has no DASH demuxer: ask ffmpeg)
    mpd = str((out / manifest.dash.mpd).resolve())
    decoded = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-v", "error", "-i", mpd, "-map", "0",
         "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr[-2000:]
    listing = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-i", mpd],
        capture_output=True, text=True, timeout=60,
    ).stderr  # fmt: skip
    (line,) = [x for x in listing.splitlines() if "Video: hevc" in x]
    names = {"PQ": "smpte2084", "HLG": "arib-std-b67"}
    assert f"yuv420p10le(tv, bt2020nc/bt2020/{names[video_range]}" in line
    assert "(hvc1 / " in line  # the sample entry Apple's HLS spec asks for (not hev1)
    framemd5 = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-v", "error", "-i", mpd, "-map", "0:v:2",
         "-f", "framemd5", "-"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert sum(1 for x in framemd5.splitlines() if x and not x.startswith("#")) == 50


@pytest.mark.media
def test_sdr_source_with_the_option_keeps_no_hdr_rendition(run_worker, make_clip):
    run = run_worker(make_clip("plain"), ladder=LADDER, hdr={"keep": True})
    manifest = _manifest(run)
    assert [(r.name, r.video_range) for r in manifest.hls.renditions] == [
        ("240p", "SDR"),
        ("144p", "SDR"),
    ]
    assert all(r.codecs.startswith("avc1.") for r in manifest.hls.renditions)
    assert manifest.hls.tone_mapped_from is None
    master = m3u8.load(str(run.output_dir / manifest.hls.master))
    assert {p.stream_info.video_range for p in master.playlists} == {"SDR"}
    assert sorted(p.name for p in (run.output_dir / "hls").iterdir() if p.is_dir()) == [
        "144p",
        "240p",
        "audio-1",
    ]


@pytest.mark.media
def test_a_cut_applies_to_the_hdr_rendition_too(run_worker, ffmpeg_exe, tmp_path):
    source = make_hdr_clip(ffmpeg_exe, tmp_path / "hlg.mp4", "arib-std-b67", seconds=3)
    run = run_worker(
        source, ladder=LADDER[1:], hdr={"keep": True}, edit={"trim": {"start": 1, "end": 2.2}}
    )
    manifest = _manifest(run)
    assert [r.video_range for r in manifest.hls.renditions] == ["SDR", "HLG"]
    sdr, hdr = (run.output_dir / r.playlist for r in manifest.hls.renditions)
    assert _count(hdr) == _count(sdr) == 30  # 1.2 s at 25 fps, in both
    assert _first_frame(hdr)[1].pix_fmt == "yuv420p10le"


@pytest.mark.media
def test_chunked_encode_makes_the_one_pass_hdr_rendition(ffmpeg_exe, tmp_path):
    """6 s PQ, keyframes every 1.8 s off the 2 s grid, in 2 chunks + the audio step."""
    source = make_hdr_clip(
        ffmpeg_exe, tmp_path / "long-pq.mp4", "smpte2084", size="192x108", seconds=6,
        hdr10=True, keyint=45, audio=True,
    )  # fmt: skip
    ladder = [{"name": "108p", "height": 108, "videoKbps": 200, "audioKbps": 64}]
    outputs = {}
    for name, extra in (("single", {}), ("chunked", {"chunks": 2})):
        outputs[name] = output = tmp_path / name
        spec = {
            "jobId": str(uuid.uuid4()), "videoId": str(uuid.uuid4()),
            "source": source.as_uri(), "output": output.as_uri() + "/",
            "ladder": ladder, "segmentDuration": 2, "hdr": {"keep": True}, **extra,
        }  # fmt: skip
        env = {**os.environ, "MEDIA_ENCODE_SCRATCH_DIR": str(tmp_path / "scratch"),
               "MEDIA_ENCODE_CHUNK_WORKERS": "2"}  # fmt: skip
        proc = subprocess.run(
            [*media_encode_command(), "--spec", json.dumps(spec)],
            env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]

    def frames(root: Path, rendition: str) -> list[float]:
        with av.open(str(root / f"hls/{rendition}/index.m3u8")) as container:
            return [round(f.time, 5) for f in container.decode(video=0)]

    for rendition in ("108p", "108p-pq"):
        expected = frames(outputs["single"], rendition)
        assert frames(outputs["chunked"], rendition) == expected and len(expected) == 150
    joined = outputs["chunked"]
    assert sorted(p.name for p in (joined / "hls/108p-pq").glob("init_*")) == ["init_108p-pq.mp4"]
    frame, ctx, _ = _first_frame(joined / "hls/108p-pq/index.m3u8")
    assert (ctx.pix_fmt, ctx.color_trc, ctx.color_primaries) == ("yuv420p10le", 16, BT2020)
    assert set(_hdr10(frame)) == {"MASTERING_DISPLAY_METADATA", "CONTENT_LIGHT_LEVEL"}
    master = m3u8.load(str(joined / "hls/master.m3u8"))
    assert [p.stream_info.video_range for p in master.playlists] == ["SDR", "PQ"]


# --- pure: the plan and the command -------------------------------------------------------


def _spec(**overrides) -> EncodingJobSpec:
    return EncodingJobSpec(
        job_id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        source="file:///in.mov",
        output="file:///out/",
        ladder=LADDER,
        **overrides,
    )


def _info(transfer: str | None) -> MediaInfo:
    video = VideoStreamInfo(
        index=0, codec="hevc", width=1920, height=1080, pix_fmt="yuv420p10le",
        frame_rate=Fraction(25), color_transfer=transfer, color_primaries="bt2020",
        mastering_display=(13250, 34500, 7500, 3000, 34000, 16000, 15635, 16450, 10**7, 1),
        content_light=(1000, 400),
    )  # fmt: skip
    return MediaInfo(
        container="mov", duration=10, start_time=0, size_bytes=1, video=video, audio=None
    )


def test_the_hdr_rendition_is_planned_only_when_asked_for_an_hdr_source():
    keep = {"hdr": Hdr(keep=True)}
    plan = plan_encoding(_info("arib-std-b67"), _spec(**keep))
    assert [(r.name, r.video_range) for r in plan.renditions] == [
        ("240p", "SDR"), ("144p", "SDR"), ("240p-hlg", "HLG"),
    ]  # fmt: skip
    hdr = plan.renditions[-1]
    assert (hdr.width, hdr.height, hdr.video_kbps, hdr.audio_kbps) == (426, 240, 400, None)
    assert plan.mp4_rendition == "240p" and plan.poster.height == 240
    assert not plan_encoding(_info("arib-std-b67"), _spec()).hdr_renditions  # not asked
    assert not plan_encoding(_info("arib-std-b67"), _spec(hdr=Hdr())).hdr_renditions
    assert not plan_encoding(_info("bt709"), _spec(**keep)).hdr_renditions  # SDR source
    # a cut keeps it; a watermark (an SDR picture over the frames) does not
    cut = EditSpec.model_validate({"trim": {"start": 1, "end": 5}})
    assert plan_encoding(_info("smpte2084"), _spec(edit=cut, **keep)).hdr_renditions
    mark = EditSpec.model_validate({"watermark": {"image": "file:///w.png"}})
    assert not plan_encoding(_info("smpte2084"), _spec(edit=mark, **keep)).hdr_renditions


def test_one_decode_split_before_the_tone_map_and_x265_options_for_the_hdr_stream():
    plan = plan_encoding(_info("smpte2084"), _spec(hdr=Hdr(keep=True)))
    cmd = build_ffmpeg_command(plan, ffmpeg="ffmpeg", source="/in.mov", out_dir="/o")
    assert cmd.count("-i") == 1
    graph = cmd[cmd.index("-filter_complex") + 1].split(";")
    assert graph[0].endswith("fps=25:start_time=0,split=2[vsdrtrunk][vhdrtrunk]")
    assert graph[1].startswith("[vsdrtrunk]zscale=tin=smpte2084") and "tonemap=" in graph[1]
    assert graph[1].endswith("split=4[v0][v1][vposter][vsprite]")
    assert graph[2] == "[vhdrtrunk]format=yuv420p10le,split=1[v2]"
    assert "tonemap" not in ";".join(graph[2:])
    at = cmd.index("-c:v:2")
    hdr_args = dict(zip(cmd[at::2], cmd[at + 1 :: 2], strict=False))
    assert hdr_args["-c:v:2"] == "libx265" and hdr_args["-tag:v:2"] == "hvc1"
    assert (hdr_args["-color_trc:v:2"], hdr_args["-colorspace:v:2"]) == ("smpte2084", "bt2020nc")
    params = hdr_args["-x265-params:v:2"].split(":")
    assert "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)" \
        "L(10000000,1)" in params and "max-cll=1000,400" in params  # fmt: skip
    assert cmd.index("-c:v") < at  # after the shared H.264 options: ffmpeg takes the last
    assert "v:2,name:240p-pq" in cmd[cmd.index("-var_stream_map") + 1]
    # without the HDR rendition: the one split, tone-mapped before it, as before
    sdr = replace(plan, renditions=plan.sdr_renditions)
    graph = build_ffmpeg_command(sdr, ffmpeg="ffmpeg", source="/in.mov", out_dir="/o")
    assert "vhdrtrunk" not in " ".join(graph) and "libx265" not in graph
