"""Rate control: the pure option builders, RFC 8216's peak segment bit rate, and real
``media-encode`` runs on generated clips in both modes (``CappedCRF``, ``Fixed``).

What a viewer or an operator notices: slides cost a fraction of the fixed ladder's bytes;
content that wants more than a rung's cap stays under it (within what the VBV allows);
the master playlist's BANDWIDTH/AVERAGE-BANDWIDTH are what the segments really need.
"""

from __future__ import annotations

import json
import math
import subprocess
from fractions import Fraction
from pathlib import Path

import m3u8
import pytest

from podv5_contract.outputs import Manifest
from podv5_contract.spec import DEFAULT_LADDER
from podv5_media.encode.command import build_ffmpeg_command
from podv5_media.encode.hls import peak_segment_bit_rate
from podv5_media.encode.ladder import EncodePlan, PlannedRendition
from podv5_media.encode.rate_control import (
    BUFSIZE_FACTOR,
    MAXRATE_FACTOR,
    default_crf,
    video_rate_args,
)

# --- pure -----------------------------------------------------------------------------------

RUNG = PlannedRendition("720p", 1280, 720, 2800, 128)


def plan(mode: str, *renditions: PlannedRendition) -> EncodePlan:
    return EncodePlan(
        renditions=renditions or (RUNG,),
        video_stream=0,
        audio_stream=1,
        frame_rate=Fraction(25),
        duration=10.0,
        segment_duration=4.0,
        rate_control=mode,
    )


def test_fixed_is_capped_vbr_at_the_rungs_rate():
    assert video_rate_args(plan("Fixed"), RUNG, stream=1) == [
        "-b:v:1", "2800k", "-maxrate:v:1", "4200k", "-bufsize:v:1", "5600k",
    ]  # fmt: skip


def test_capped_crf_is_constant_quality_under_the_same_cap():
    args = video_rate_args(plan("CappedCRF"), RUNG, stream=0)
    assert args == [
        "-crf:v:0", str(default_crf(720)), "-maxrate:v:0", "4200k", "-bufsize:v:0", "5600k",
    ]  # fmt: skip
    tuned = PlannedRendition("720p", 1280, 720, 2800, 128, crf=19)
    assert video_rate_args(plan("CappedCRF"), tuned, stream=0)[:2] == ["-crf:v:0", "19"]


def test_the_command_takes_each_renditions_mode():
    small = PlannedRendition("360p", 640, 360, 800, 96, crf=24)
    cmd = build_ffmpeg_command(plan("CappedCRF", RUNG, small), ffmpeg="ffmpeg", source="/i",
                               out_dir="/o", progress=False)  # fmt: skip
    assert "-b:v:0" not in cmd and "-b:v:1" not in cmd
    assert cmd[cmd.index("-crf:v:1") + 1] == "24"
    assert cmd[cmd.index("-maxrate:v:1") + 1] == "1200k"


def test_lower_rungs_never_get_a_worse_crf():
    """Players upscale lower rungs: they need at least the quality of taller ones."""
    heights = [r.height for r in DEFAULT_LADDER] + [240, 144]
    crfs = [default_crf(h) for h in sorted(heights)]
    assert crfs == sorted(crfs)
    # the default ladder's tuned CRFs, where it gives some, follow the same rule
    tuned = [r.crf or default_crf(r.height) for r in sorted(DEFAULT_LADDER, key=lambda r: r.height)]
    assert tuned == sorted(tuned)


def test_peak_segment_bit_rate_is_rfc_8216s():
    # a short last segment is measured with its neighbour, not alone (0.5 to 1.5 x TD)
    segments = [(4.0, 1_000_000), (4.0, 2_000_000), (0.2, 200_000)]
    assert peak_segment_bit_rate(segments, 4) == pytest.approx(2_200_000 * 8 / 4.2)
    # 2 s segments, TD 4: pairs count, and a single one (2 s = 0.5 TD) too
    segments = [(2.0, 100_000), (2.0, 900_000), (2.0, 100_000)]
    assert peak_segment_bit_rate(segments, 4) == pytest.approx(900_000 * 8 / 2)
    # nothing lasts half the target: the whole playlist's rate
    assert peak_segment_bit_rate([(1.0, 50_000)], 4) == pytest.approx(400_000)


# --- real encodes ---------------------------------------------------------------------------

#: slides: pages of lines of black-on-white "text" (a cellular automaton) that change
#: every 2 s, a title bar, a pointer that moves, the faint noise of a lossy capture
SLIDES = (
    "cellauto=size=280x120:rule=30:rate=1/2:random_fill_ratio=0.5:full=1:scroll=0,"
    "scale=560:240:flags=neighbor,format=yuv420p,drawgrid=w=iw:h=20:t=8:c=white,"
    "fps=25[text];"
    "color=c=white:size=640x360:rate=25:duration=6,format=yuv420p,"
    "drawbox=x=40:y=20:w=560:h=50:color=0x1f3b73:t=fill[page];"
    "[page][text]overlay=x=40:y=90:shortest=1,"
    "drawbox=x='450+60*sin(t)':y='250+30*cos(t)':w=8:h=8:color=red:t=fill,"
    "noise=alls=2:allf=t[out0]"
)
#: the same slides exported (from a PDF, say): no capture noise
CLEAN_SLIDES = SLIDES.rsplit(",noise", 1)[0] + "[out0]"
#: noise: what no rung's cap is enough for (testsrc2 under heavy temporal noise)
NOISE = "testsrc2=size=320x240:rate=25:duration=6,noise=alls=60:allf=t+u"
#: rungs whose caps a 320x240 noise clip exceeds by far
NOISE_LADDER = [
    {"name": "240p", "height": 240, "videoKbps": 300, "audioKbps": 64},
    {"name": "144p", "height": 144, "videoKbps": 150, "audioKbps": 64},
]


def _clip(ffmpeg: str, folder: Path, name: str, video: str, *, audio: bool) -> Path:
    path = folder / f"rate-{name}.mp4"
    if not path.exists():
        cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "lavfi", "-i", video]  # fmt: skip
        if audio:
            cmd += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
                    "-c:a", "aac"]  # fmt: skip
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
                "-shortest", str(path)]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return path


@pytest.fixture(scope="module")
def slides_clip(ffmpeg_exe, clips_dir) -> Path:
    # no audio: the bytes compared are the video's (audio would be the same in both)
    return _clip(ffmpeg_exe, clips_dir, "slides", SLIDES, audio=False)


@pytest.fixture(scope="module")
def clean_slides_clip(ffmpeg_exe, clips_dir) -> Path:
    return _clip(ffmpeg_exe, clips_dir, "clean-slides", CLEAN_SLIDES, audio=False)


@pytest.fixture(scope="module")
def noise_clip(ffmpeg_exe, clips_dir) -> Path:
    return _clip(ffmpeg_exe, clips_dir, "noise", NOISE, audio=False)


def encoded(run) -> Manifest:
    assert run.returncode == 0, run.stderr[-3000:]
    return Manifest.model_validate(json.loads((run.output_dir / "manifest.json").read_text()))


def segments(out: Path, playlist: str) -> tuple[list[tuple[float, int]], int]:
    """``[(seconds, bytes)]`` of a variant's media segments, and its target duration."""
    variant = m3u8.load(str(out / playlist))
    folder = (out / playlist).parent
    sized = [(float(s.duration), (folder / s.uri).stat().st_size) for s in variant.segments]
    return sized, variant.target_duration


def windows(sized: list[tuple[float, int]], target: float):
    """Every contiguous set of segments lasting 0.5 to 1.5 x target: (seconds, bytes)."""
    for first in range(len(sized)):
        seconds = size = 0
        for duration, nbytes in sized[first:]:
            seconds += duration
            size += nbytes
            if seconds > 1.5 * target + 1e-6:
                break
            if seconds >= 0.5 * target - 1e-6:
                yield seconds, size


def check_master_is_measured(out: Path, manifest: Manifest) -> None:
    """BANDWIDTH is the largest window's rate, AVERAGE-BANDWIDTH the media bytes' rate."""
    master = m3u8.load(str(out / manifest.hls.master))
    for variant, rendition in zip(master.playlists, manifest.hls.renditions, strict=True):
        sized, target = segments(out, rendition.playlist)
        peak = max(size * 8 / seconds for seconds, size in windows(sized, target))
        average = sum(b for _, b in sized) * 8 / sum(d for d, _ in sized)
        assert variant.stream_info.bandwidth == math.ceil(peak) == rendition.bandwidth
        assert variant.stream_info.average_bandwidth == math.ceil(average)


@pytest.mark.media
def test_slides_take_a_fraction_of_the_fixed_ladders_bytes(run_worker, slides_clip):
    crf_run = run_worker(slides_clip, rateControl="CappedCRF")
    fixed_run = run_worker(slides_clip, rateControl="Fixed")
    crf, fixed = encoded(crf_run), encoded(fixed_run)
    assert [r.name for r in crf.hls.renditions] == ["360p", "240p", "144p"]
    for content_aware, nominal in zip(crf.hls.renditions, fixed.hls.renditions, strict=True):
        assert content_aware.size_bytes < nominal.size_bytes, (content_aware, nominal)
    # in all, under two thirds of the bytes (the lowest rungs get a low CRF: players
    # upscale them), the top rung under half
    total = sum(r.size_bytes for r in crf.hls.renditions)
    assert total < sum(r.size_bytes for r in fixed.hls.renditions) * 2 / 3
    assert crf.hls.renditions[0].size_bytes < fixed.hls.renditions[0].size_bytes / 2
    # Fixed, when chosen, still spends its rate on the very same slides
    top = fixed.hls.renditions[0]
    assert top.average_bandwidth > 0.5 * top.video_kbps * 1000
    # the master playlist tells players the real, much lower rates
    for out, manifest in ((crf_run.output_dir, crf), (fixed_run.output_dir, fixed)):
        check_master_is_measured(out, manifest)
    top = crf.hls.renditions[0]
    assert top.bandwidth < top.video_kbps * 1000 / 2
    assert top.bandwidth < fixed.hls.renditions[0].bandwidth / 2


@pytest.mark.media
def test_a_rendition_never_peaks_past_its_cap_beyond_the_vbv(run_worker, noise_clip):
    run = run_worker(noise_clip, ladder=NOISE_LADDER, rateControl="CappedCRF")
    manifest = encoded(run)
    check_master_is_measured(run.output_dir, manifest)
    for rendition in manifest.hls.renditions:
        kbps = rendition.video_kbps
        maxrate, bufsize = kbps * MAXRATE_FACTOR * 1000, kbps * BUFSIZE_FACTOR * 1000
        # the noise wants far more than the cap: the cap is what holds the rate down
        assert rendition.average_bandwidth > kbps * 1000
        sized, target = segments(run.output_dir, rendition.playlist)
        for seconds, size in [*windows(sized, target), *((d, b) for d, b in sized)]:
            # a VBV (maxrate M, bufsize B) lets through at most M*d + B bits in d seconds;
            # 3 % for the fMP4 boxes (moof, mdat headers) around the video
            assert size * 8 <= (maxrate * seconds + bufsize) * 1.03, (rendition.name, seconds)


@pytest.mark.media
def test_per_title_gives_slides_a_fraction_of_the_fixed_bytes_and_noise_far_more(
    run_worker, clean_slides_clip, noise_clip
):
    """PerTitle probes each title: the same rungs cost little on slides, much on noise."""
    slides = encoded(run_worker(clean_slides_clip, rateControl="PerTitle"))
    fixed = encoded(run_worker(clean_slides_clip, rateControl="Fixed"))
    noise_run = run_worker(noise_clip, ladder=NOISE_LADDER, rateControl="PerTitle")
    noise = encoded(noise_run)

    def total(manifest: Manifest) -> int:
        return sum(r.size_bytes for r in manifest.hls.renditions)

    assert [r.name for r in slides.hls.renditions] == ["360p", "240p", "144p"]
    assert total(slides) < total(fixed) * 3 / 4
    # a 240p rung of noise takes many times the bytes of the slides' 240p, up to its rate
    slides_240 = next(r for r in slides.hls.renditions if r.name == "240p")
    noise_240 = next(r for r in noise.hls.renditions if r.name == "240p")
    assert noise_240.size_bytes > 4 * slides_240.size_bytes
    assert noise_240.average_bandwidth > 0.8 * noise_240.video_kbps * 1000
    check_master_is_measured(noise_run.output_dir, noise)
