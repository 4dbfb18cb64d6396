"""Benchmark of the ladder's rate control: bytes and VMAF, Fixed vs the content-aware modes
(a script, not a test).

For each clip, encodes the default ladder (``DEFAULT_LADDER``: 1080p/720p/480p/360p, never
upscaled) once per mode (``--modes``, default ``Fixed,PerTitle``; ``CappedCRF`` too if
asked) with the worker's own planner, per-title probe and ffmpeg command (one process,
the whole ladder; HLS fMP4, 4 s segments; no poster, storyboard or MP4). Per clip and rung
it prints the bytes of the rendition (init
and media segments, audio included), its measured average and peak rate (the peak is the
master playlist's BANDWIDTH, RFC 8216) and its VMAF: libvmaf, model ``vmaf_v0.6.1``, of
the rendition decoded from its playlist and upscaled (bicubic) to the source size, against
the source as the encoder sees it (same deinterlacing, constant frame rate, yuv420p), mean
and 5th percentile over the frames; for ``PerTitle`` also the probe's prediction (VMAF,
kbit/s) and the rungs it dropped, and per mode the CPU seconds (user + system of the
ffmpeg processes) of the probe and of the encode. Then, per clip and in total, for the
last mode against ``Fixed``: bytes saved, top-rung VMAF difference, lowest rung VMAF, and
the targets:

- >= 30 % fewer bytes in total, with each clip's top-rung VMAF within 1 point of Fixed
  (or higher);
- no rung below VMAF 85 on the high-motion clip (CappedCRF).

Clips (``--clips``, comma-separated; excerpts of ``--duration`` seconds):

- ``screen``: OpenBoard screen capture (``wannaworktogether.mp4``, 480x352, from 60 s);
- ``talking-head``: a lecture, slides and terminal with a webcam inset (``movie-hello.mp4``,
  720p, 8.3 s);
- ``phone``: a phone camera recording (``VID_20191220_170832.mp4``, 1080p, 1.6 s looped);
- ``motion``: generated 1080p high motion: a fast swaying pan (up to ~25 px a frame) over
  a fractal still, with a spinning, flying test pattern and light film grain (lavfi
  ``mandelbrot``, ``testsrc2``, ``noise``), made once per work folder;
- ``slides``: generated 1080p slides: still pages of boxes and a test card that change
  every 3 s, with a moving pointer;
- ``cockatoo``: a real camera clip, a bird moving its head and feathers (``cockatoo.mp4``,
  1280x720, 20 fps, yuv444p).

``screen``, ``talking-head``, ``phone`` and ``cockatoo`` come from ``--media-dir`` (default
``/work/shared/media``, see its README).
Sources are first cut and re-encoded near-losslessly (x264 CRF 10), so both ladders and
VMAF start from the same file. ``--crf 1080=22,720=22`` tunes the CappedCRF rungs (else
``rate_control.DEFAULT_CRFS``/the ladder's ``crf``).

Usage::

    .venv/bin/python bench/ladder_quality.py [--clips screen,talking-head,motion]
        [--modes Fixed,CappedCRF,PerTitle] [--duration 12] [--crf 1080=23,...]
        [--vmaf-subsample 1] [--work DIR] [--keep]

Runtime on 2 shared cores: about 1-3 minutes per clip (VMAF at 1080p dominates; use
``--vmaf-subsample 2`` to halve it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from podv5_contract.spec import DEFAULT_LADDER, EncodingJobSpec, Extras
from podv5_media.encode import per_title, probe_encode
from podv5_media.encode.command import (
    EncoderSettings,
    build_ffmpeg_command,
    scale_filters,
    video_input_filters,
)
from podv5_media.encode.hls import measure_variant
from podv5_media.encode.ladder import plan_encoding
from podv5_media.encode.probe_encode import tune_plan
from podv5_media.encode.rate_control import default_crf, rendition_crf
from podv5_media.ffmpeg import find_ffmpeg
from podv5_media.probe import probe

MODES = ("Fixed", "CappedCRF", "PerTitle")
VMAF_MODEL = "vmaf_v0.6.1"
TOP_VMAF_TOLERANCE = 1.0
MIN_MOTION_VMAF = 85.0
BYTES_SAVED_TARGET = 0.30


@dataclass(frozen=True)
class Clip:
    name: str
    what: str
    #: ffmpeg input arguments (after the global options), given the media folder and the
    #: excerpt duration
    inputs: object
    #: extra output filters for the near-lossless cut (``None``: none)
    vf: str | None = None


def _media(name: str):
    def inputs(media: Path, duration: float) -> list[str]:
        if name == "screen":
            return ["-ss", "60", "-t", f"{duration:g}", "-i", str(media / "wannaworktogether.mp4")]
        if name == "talking-head":
            return ["-t", f"{duration:g}", "-i", str(media / "movie-hello.mp4")]
        if name == "cockatoo":
            return ["-t", f"{duration:g}", "-i", str(media / "cockatoo.mp4")]
        return ["-stream_loop", "-1", "-t", f"{duration:g}",
                "-i", str(media / "VID_20191220_170832.mp4")]  # fmt: skip

    return inputs


def _motion_inputs(media: Path, duration: float) -> list[str]:
    # a 2880x1620 fractal still (cheap: few iterations), blurred once (camera optics: no
    # pixel-sharp edges), looped: MOTION_GRAPH pans over it
    still = (
        "mandelbrot=size=2880x1620:rate=25:maxiter=200:start_scale=0.06:end_scale=0.06:"
        "end_pts=1,trim=end_frame=1,gblur=sigma=1.5,loop=-1:1,setpts=N/25/TB"
    )
    return ["-f", "lavfi", "-i", still,
            "-f", "lavfi", "-i", f"testsrc2=size=480x480:rate=25:duration={duration:g}",
            "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={duration:g}",
            "-t", f"{duration:g}"]  # fmt: skip


MOTION_GRAPH = (
    # a fast swaying pan, up to ~25 px per frame: every pixel moves
    "[0:v]crop=w=1920:h=1080:x='480+450*sin(t*1.9)':y='270+250*cos(t*1.4)'[bg];"
    "[1:v]format=yuva420p,rotate=a='t*2.5':fillcolor=none:ow=480:oh=480[fg];"
    "[bg][fg]overlay=x='720+600*sin(t*3)':y='300+200*cos(t*2.3)',"
    # light film grain
    "noise=alls=1:allf=t,format=yuv420p[v]"
)


def _slides_inputs(media: Path, duration: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"color=c=white:size=1920x1080:rate=25:duration={duration:g}",
            "-f", "lavfi", "-i", "testsrc=size=640x360:rate=1/3",
            "-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=48000:duration={duration:g}",
            "-t", f"{duration:g}"]  # fmt: skip


SLIDES_GRAPH = (
    "[0:v]drawbox=x=120:y=80:w=1680:h=140:color=0x1f3b73:t=fill,"
    "drawbox=x=120:y=300:w=760:h=24:color=0x333333:t=fill:enable='gte(t,0)',"
    "drawbox=x=120:y=380:w=900:h=24:color=0x333333:t=fill:enable='gte(mod(t,6),3)',"
    "drawbox=x=120:y=460:w=640:h=24:color=0x333333:t=fill,"
    "drawbox=x=120:y=540:w=820:h=24:color=0x555555:t=fill:enable='lt(mod(t,6),3)',"
    "drawbox=x='1400+200*sin(t)':y='700+100*cos(t*0.7)':w=24:h=24:color=red:t=fill[bg];"
    "[1:v]fps=25[card];[bg][card]overlay=x=1140:y=300:shortest=1,format=yuv420p[v]"
)

CLIPS = {
    "screen": Clip("screen", "OpenBoard screen capture, 480x352", _media("screen")),
    "talking-head": Clip(
        "talking-head", "lecture: slides + webcam inset, 720p", _media("talking-head")
    ),
    "phone": Clip("phone", "phone camera, 1080p (1.6 s looped)", _media("phone")),
    "motion": Clip("motion", "generated high motion, 1080p", _motion_inputs, MOTION_GRAPH),
    "slides": Clip("slides", "generated slides, 1080p", _slides_inputs, SLIDES_GRAPH),
    "cockatoo": Clip("cockatoo", "camera: a bird, 720p 20 fps", _media("cockatoo")),
}


@dataclass
class RungResult:
    name: str
    height: int
    crf: int | None
    size_bytes: int
    average_kbps: float
    peak_kbps: float
    vmaf_mean: float
    vmaf_p5: float
    #: VMAF of the source scaled to the rung and back, uncompressed (``--ceiling``)
    ceiling: float | None = None
    #: PerTitle: the probe's predicted VMAF and kbit/s
    predicted_vmaf: float | None = None
    predicted_kbps: float | None = None


@dataclass
class ModeResult:
    rungs: list[RungResult]
    #: CPU seconds (user + system of the ffmpeg processes) of the probe and of the encode
    probe_cpu: float
    encode_cpu: float
    #: PerTitle: the rungs dropped (name, predicted VMAF at its rate)
    dropped: list[tuple[str, float]]


def prepare_source(ffmpeg: str, clip: Clip, media: Path, duration: float, path: Path) -> None:
    """Cut (or generate) the clip into a near-lossless H.264 + AAC file."""
    if path.exists():
        return
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           *clip.inputs(media, duration)]  # fmt: skip
    if clip.vf:
        cmd += ["-filter_complex", clip.vf, "-map", "[v]", "-map", "2:a"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "10", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-ac", "2", str(path)]  # fmt: skip
    subprocess.run(cmd, check=True)


def encode(
    ffmpeg: str, source: Path, out: Path, mode: str, crfs: dict[int, int], settings
) -> tuple[list, object, object, float, float]:
    """Encode the default ladder of ``source`` in ``mode``; (variant stats, plan, per-title
    result, probe CPU seconds, encode CPU seconds)."""
    ladder = [r.model_copy(update={"crf": crfs.get(r.height, r.crf)}) for r in DEFAULT_LADDER]
    spec = EncodingJobSpec(
        job_id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        source=source.as_uri(),
        output=out.as_uri() + "/",
        ladder=ladder,
        rate_control=mode,
        extras=Extras(mp4=False, poster=False, storyboard=False),
    )
    plan = plan_encoding(probe(source), spec)
    started = _children_cpu()
    tuned = tune_plan(plan, source, ffmpeg=ffmpeg, settings=settings)
    plan = tuned.plan
    probe_cpu = _children_cpu() - started
    shutil.rmtree(out, ignore_errors=True)
    for rendition in plan.renditions:
        (out / "hls" / rendition.name).mkdir(parents=True)
    cmd = build_ffmpeg_command(
        plan, ffmpeg=ffmpeg, source=source, out_dir=out, settings=settings, progress=False
    )
    started = _children_cpu()
    subprocess.run(cmd, check=True)
    encode_cpu = _children_cpu() - started
    variants = [measure_variant(out, r, plan) for r in plan.renditions]
    return variants, plan, tuned, probe_cpu, encode_cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def vmaf(ffmpeg: str, source: Path, playlist: Path, plan, size, subsample: int, log: Path):
    """(mean, 5th percentile) VMAF of ``playlist`` upscaled to ``size`` vs ``source``."""
    width, height = size
    graph = (
        f"[0:v]scale={width}:{height}:flags=bicubic,format=yuv420p,setpts=PTS-STARTPTS[dist];"
        f"[1:v]{video_input_filters(plan)},setpts=PTS-STARTPTS[ref]"
    )
    return _libvmaf(ffmpeg, ["-i", str(playlist), "-i", str(source)], graph, subsample, log)


def ceiling(ffmpeg: str, source: Path, plan, rendition, size, subsample: int, log: Path):
    """(mean, 5th percentile) VMAF of the source scaled to ``rendition`` and back without
    compression: the most any rate can give this rung (what its resolution leaves)."""
    width, height = size
    graph = (
        f"[0:v]{video_input_filters(plan)},split[a][ref];"
        f"[a]{scale_filters(rendition)},scale={width}:{height}:flags=bicubic,"
        "format=yuv420p[dist]"
    )
    return _libvmaf(ffmpeg, ["-i", str(source)], graph, subsample, log)


def _libvmaf(ffmpeg: str, inputs: list[str], graph: str, subsample: int, log: Path):
    threads = os.cpu_count() or 1
    graph += (
        f";[dist][ref]libvmaf=model=version={VMAF_MODEL}:n_threads={threads}:"
        f"n_subsample={subsample}:log_fmt=json:log_path={log}"
    )
    subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         *inputs, "-lavfi", graph, "-f", "null", "-"],
        check=True,
    )  # fmt: skip
    frames = sorted(f["metrics"]["vmaf"] for f in json.loads(log.read_text())["frames"])
    return sum(frames) / len(frames), frames[max(0, int(len(frames) * 0.05) - 1)]


def run_mode(ffmpeg, clip, source, size, mode, crfs, settings, args, work) -> ModeResult:
    """Encode and measure one clip in one mode; the results are kept in the work folder
    and reused by a later run with the same clip, duration, mode, CRFs and preset."""
    key = f"{clip.name}-{args.duration:g}s-{mode}-{settings.preset}-{args.vmaf_subsample}"
    key += "-ceiling" if args.ceiling and mode == "Fixed" else ""
    if mode == "CappedCRF":  # the CRFs in force: the overrides, else the defaults
        effective = {r.height: crfs.get(r.height, default_crf(r.height)) for r in DEFAULT_LADDER}
        key += "-" + "_".join(f"{h}={c}" for h, c in sorted(effective.items()))
    if mode == "PerTitle":  # the probe's code and tunables
        code = b"".join(Path(m.__file__).read_bytes() for m in (per_title, probe_encode))
        key += "-" + hashlib.sha256(code).hexdigest()[:10]
    cached = work / f"results-{key}.json"
    if cached.exists():
        saved = json.loads(cached.read_text())
        saved["rungs"] = [RungResult(**r) for r in saved["rungs"]]
        return ModeResult(**saved)
    out = work / f"out-{clip.name}-{mode}"
    variants, plan, tuned, probe_cpu, encode_cpu = encode(ffmpeg, source, out, mode, crfs, settings)
    decisions = {d.name: d for d in tuned.decisions}
    rungs = []
    for v in variants:
        r = v.rendition
        mean, p5 = vmaf(
            ffmpeg,
            source,
            out / v.playlist,
            plan,
            size,
            args.vmaf_subsample,
            work / f"vmaf-{clip.name}-{mode}-{r.name}.json",
        )
        top = None
        if args.ceiling and mode == "Fixed":
            top, _ = ceiling(ffmpeg, source, plan, r, size, args.vmaf_subsample,
                             work / f"vmaf-{clip.name}-ceiling-{r.name}.json")  # fmt: skip
        decision = decisions.get(r.name)
        rungs.append(
            RungResult(
                name=r.name,
                height=r.height,
                crf=rendition_crf(r) if mode != "Fixed" else None,
                size_bytes=v.size_bytes,
                average_kbps=v.average_bandwidth / 1000,
                peak_kbps=v.peak_bandwidth / 1000,
                vmaf_mean=mean,
                vmaf_p5=p5,
                ceiling=top,
                predicted_vmaf=decision.vmaf if decision else None,
                predicted_kbps=decision.kbps if decision else None,
            )
        )
    dropped = [(d.name, d.vmaf) for d in tuned.decisions if d.dropped]
    result = ModeResult(rungs, probe_cpu, encode_cpu, dropped)
    cached.write_text(json.dumps({**result.__dict__, "rungs": [r.__dict__ for r in rungs]}))
    return result


def parse_crfs(text: str | None) -> dict[int, int]:
    crfs: dict[int, int] = {}
    for item in filter(None, (text or "").split(",")):
        height, _, crf = item.partition("=")
        crfs[int(height)] = int(crf)
    return crfs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", default="screen,talking-head,phone,motion")
    parser.add_argument(
        "--modes", default="Fixed,PerTitle", help="compared with Fixed: the last one"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="excerpt length, s")
    parser.add_argument("--media-dir", type=Path, default=Path("/work/shared/media"))
    parser.add_argument("--crf", help="CappedCRF per rung height, e.g. 1080=23,720=23")
    parser.add_argument("--vmaf-subsample", type=int, default=2)
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also the VMAF each rung's resolution allows (source scaled down and up)",
    )
    parser.add_argument("--work", type=Path, help="work folder (sources are reused)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    ffmpeg = find_ffmpeg()
    filters = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True)
    if "libvmaf" not in filters.stdout:
        import imageio_ffmpeg  # its ffmpeg is built with libvmaf

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    crfs = parse_crfs(args.crf)
    modes = ["Fixed", *(m for m in args.modes.split(",") if m and m != "Fixed")]
    if any(m not in MODES for m in modes):
        parser.error(f"unknown modes in {args.modes}; choose from {', '.join(MODES)}")
    names = [n.strip() for n in args.clips.split(",") if n.strip()]
    unknown = [n for n in names if n not in CLIPS]
    if unknown:
        parser.error(f"unknown clips {unknown}; choose from {', '.join(CLIPS)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ladder-"))
    work.mkdir(parents=True, exist_ok=True)
    settings = EncoderSettings(preset=os.environ.get("MEDIA_ENCODE_X264_PRESET", "veryfast"))
    print(f"ffmpeg {ffmpeg}; preset {settings.preset}; VMAF {VMAF_MODEL}; "
          f"{os.cpu_count()} CPUs; work {work}", flush=True)  # fmt: skip

    totals = {mode: 0 for mode in modes}
    cpu = {mode: [0.0, 0.0] for mode in modes}
    verdicts: list[str] = []
    ok = True
    last = modes[-1]
    try:
        for name in names:
            clip = CLIPS[name]
            source = work / f"source-{name}-{args.duration:g}s.mp4"
            started = time.monotonic()
            prepare_source(ffmpeg, clip, args.media_dir, args.duration, source)
            info = probe(source)
            video = info.video
            size = (
                2 * round(video.display_height * video.display_aspect / 2),
                video.display_height,
            )
            print(f"\n== {name}: {clip.what}; {size[0]}x{size[1]}, {info.duration:.1f} s")
            print(f"{'mode':<10} {'rung':<6} {'crf':>5} {'bytes':>11} {'avg kbps':>9} "
                  f"{'peak kbps':>9} {'VMAF':>6} {'p5':>6} {'pred':>6} {'pred kbps':>9}"
                  + (f" {'ceil':>6}" if args.ceiling else ""))  # fmt: skip
            results: dict[str, ModeResult] = {}
            for mode in modes:
                result = run_mode(ffmpeg, clip, source, size, mode, crfs, settings, args, work)
                for rung in result.rungs:
                    predicted = (
                        f"{rung.predicted_vmaf:>6.2f} {rung.predicted_kbps:>9.0f}"
                        if rung.predicted_vmaf is not None
                        else f"{'-':>6} {'-':>9}"
                    )
                    print(f"{mode:<10} {rung.name:<6} {rung.crf or '-':>5} "
                          f"{rung.size_bytes:>11,} {rung.average_kbps:>9.0f} "
                          f"{rung.peak_kbps:>9.0f} {rung.vmaf_mean:>6.2f} "
                          f"{rung.vmaf_p5:>6.2f} {predicted}"
                          + (f" {rung.ceiling:>6.2f}" if rung.ceiling else ""),
                          flush=True)  # fmt: skip
                for rung, vmaf_there in result.dropped:
                    print(f"{mode:<10} {rung:<6} dropped (probe: VMAF {vmaf_there:.1f} at "
                          "its rate)")  # fmt: skip
                print(f"{mode:<10} CPU s: probe {result.probe_cpu:.1f}, encode "
                      f"{result.encode_cpu:.1f} "
                      f"({result.probe_cpu / result.encode_cpu * 100:.0f} %)")  # fmt: skip
                results[mode] = result
                totals[mode] += sum(r.size_bytes for r in result.rungs)
                cpu[mode][0] += result.probe_cpu
                cpu[mode][1] += result.encode_cpu
            fixed, tried = results["Fixed"].rungs, results[last].rungs
            fixed_bytes = sum(r.size_bytes for r in fixed)
            tried_bytes = sum(r.size_bytes for r in tried)
            top_delta = tried[0].vmaf_mean - fixed[0].vmaf_mean
            lowest = min(r.vmaf_mean for r in tried)
            top_ok = top_delta >= -TOP_VMAF_TOLERANCE
            line = (
                f"{name}: {last} bytes {tried_bytes:,} vs {fixed_bytes:,} "
                f"({(1 - tried_bytes / fixed_bytes) * 100:+.1f} % saved); top rung VMAF "
                f"{tried[0].vmaf_mean:.2f} vs {fixed[0].vmaf_mean:.2f} ({top_delta:+.2f}, "
                f"{'ok' if top_ok else 'MISSED'}); lowest rung {tried[-1].name} VMAF "
                f"{lowest:.2f} (Fixed {fixed[-1].name} {min(r.vmaf_mean for r in fixed):.2f}); "
                f"probe CPU {results[last].probe_cpu:.1f} s = "
                f"{results[last].probe_cpu / results[last].encode_cpu * 100:.0f} % of the encode"
            )
            ok &= top_ok
            if name == "motion":
                motion_ok = lowest >= MIN_MOTION_VMAF
                ok &= motion_ok
                line += f"; >= {MIN_MOTION_VMAF:g}: {'ok' if motion_ok else 'MISSED'}"
            verdicts.append(line)
            print(f"({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)

    print("\n== summary")
    for line in verdicts:
        print(line)
    for mode in modes[1:]:
        saved = 1 - totals[mode] / totals["Fixed"]
        verdict = "ok" if saved >= BYTES_SAVED_TARGET else "MISSED"
        print(
            f"total: {mode} {totals[mode]:,} bytes vs Fixed {totals['Fixed']:,} "
            f"({saved * 100:.1f} % fewer; target >= {BYTES_SAVED_TARGET * 100:.0f} %: "
            f"{verdict}); CPU s: probe {cpu[mode][0]:.1f}, encode {cpu[mode][1]:.1f}"
        )
    saved = 1 - totals[last] / totals["Fixed"]
    ok &= saved >= BYTES_SAVED_TARGET
    print("targets met" if ok else "targets MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
