"""Benchmark of the chunked encode of a long video (a script, not a test).

On one source, in the same run:

(a) the one-pass encode: ``media-encode`` with a spec without chunks;
(b) the chunked encode with ``--chunks N``: each step (the N video chunks, then the
    audio) run as ``media-encode`` with ``MEDIA_ENCODE_STEP=chunk`` and its
    ``JOB_COMPLETION_INDEX``, ONE AT A TIME (each has the machine to itself, as a pod has
    its node's CPUs), then the join step (``MEDIA_ENCODE_STEP=join``).

Prints, with the CPU time (user + system of the process and its ffmpeg children,
``getrusage(RUSAGE_CHILDREN)``) and the wall time of each:

- total CPU of (b) over (a) (target <= 1.05: chunking costs little extra work);
- the join's wall and CPU time;
- the speed-up the timings predict for N pods, each as fast as this machine, by CPU time
  (the meaningful figure on a shared machine: other processes' load stretches wall times,
  not CPU times) and by wall time: the one-pass encode over the job's critical path,
  ``max(slowest chunk, audio) + join`` (the audio step is a pod of the same Indexed Job,
  running beside the chunks; each step plans its own cut, probe and keyframe index
  included in its time; target >= 0.8 N), and the same with the audio after the chunks;
- the chunks' sizes (segments) and the slowest chunk's CPU over their mean (balance);
- frame count and duration of both outputs (PyAV, decoding the top rendition's HLS;
  audio frames of the joined audio rendition), which must be equal.

The load average is printed before and after: the machine may be shared.

Usage::

    .venv/bin/python bench/chunked_encode.py [--source clip.mp4] [--chunks 8]
    .venv/bin/python bench/chunked_encode.py --generate 1200 --chunks 8 [--again]

``--rate-control`` sets both encodes' ``rateControl`` (default: the spec's, ``PerTitle``).
``--again`` runs the one-pass encode a second time after the chunked one, and compares
with the mean of both (the load of a shared machine drifts during a long run).

Default source: ``/work/shared/media/wannaworktogether.mp4`` (3 min) when present, else
a generated clip of ``--generate`` seconds (default 240), ``--content``:

- ``lecture`` (default): what a lecture capture looks like, 1280x720 at 25 fps: a slide
  (ffmpeg's ``testsrc`` still, a new one every 23 s) with the speaker's camera inset
  (320x180 ``testsrc2`` with sensor noise, moving), H.264 veryfast CRF 23 with x264's
  default keyframe spacing (every 10 s, plus one at a slide change when x264 sees a
  scene cut), a 220 Hz tone as stereo AAC;
- ``pattern``: 1280x720 ``testsrc2`` with temporal noise over the whole picture, a
  keyframe every 5 s (much harder to encode than a lecture).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import av

from podv5_contract.spec import DEFAULT_LADDER, EncodingJobSpec
from podv5_media.ffmpeg import find_ffmpeg

SHARED_CLIP = Path("/work/shared/media/wannaworktogether.mp4")


def generate(ffmpeg: str, path: Path, seconds: int, content: str) -> None:
    tone = f"sine=frequency=220:sample_rate=48000:duration={seconds}"
    if content == "lecture":
        video = ["-f", "lavfi", "-i", f"testsrc=size=1280x720:rate=1/23:duration={seconds}",
                 "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={seconds}",
                 "-f", "lavfi", "-i", tone, "-filter_complex",
                 "[0]fps=25,format=yuv420p[slide];[1]noise=alls=8:allf=t[camera];"
                 "[slide][camera]overlay=W-w-24:H-h-24:shortest=1[v]",
                 "-map", "[v]", "-map", "2", "-c:v", "libx264", "-preset", "veryfast",
                 "-crf", "23", "-g", "250"]  # fmt: skip
    else:
        video = ["-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
                 "-f", "lavfi", "-i", tone, "-vf", "noise=alls=6:allf=t",
                 "-c:v", "libx264", "-preset", "ultrafast", "-g", "125"]  # fmt: skip
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *video, "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-ac", "2", "-t", str(seconds), str(path)],
        check=True,
    )  # fmt: skip


def keyframes(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [float(e.timestamp * stream.time_base) for e in stream.index_entries
                if e.is_keyframe]  # fmt: skip


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def worker() -> list[str]:
    script = Path(sys.executable).with_name("media-encode")
    return [str(script)] if script.exists() else [sys.executable, "-m", "podv5_media.encode.cli"]


def run(spec: dict, env: dict[str, str]) -> tuple[float, float]:
    """Run ``media-encode`` on ``spec``; (wall s, CPU s of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(
        [*worker(), "--spec", json.dumps(spec)], env={**os.environ, **env},
        capture_output=True, text=True,
    )  # fmt: skip
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"media-encode failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def decoded(playlist: Path, kind: str) -> tuple[int, float]:
    """(frames, seconds from the first frame's start to the last one's end)."""
    with av.open(str(playlist)) as container:
        stream = container.streams.video[0] if kind == "video" else container.streams.audio[0]
        times = [(f.time, f.duration * f.time_base if f.duration else 0)
                 for f in container.decode(stream)]  # fmt: skip
    return len(times), float(times[-1][0] + times[-1][1] - times[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path)
    parser.add_argument("--generate", type=int, default=0, help="seconds of a generated clip")
    parser.add_argument(
        "--rate-control", default=EncodingJobSpec.model_fields["rate_control"].default,
        choices=["PerTitle", "CappedCRF", "Fixed"],
        help="rateControl of both encodes (default: the spec's default)",
    )  # fmt: skip
    parser.add_argument("--content", choices=("lecture", "pattern"), default="lecture")
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument(
        "--again", action="store_true",
        help="run the one-pass encode again after the chunked one; compare with their mean",
    )  # fmt: skip
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="bench-chunked-"))
    source = args.source
    if source is None and not args.generate and SHARED_CLIP.exists():
        source = SHARED_CLIP
    if source is None:
        source = work / "source.mp4"
        started = time.monotonic()
        generate(ffmpeg, source, args.generate or 240, args.content)
        print(f"generated {args.generate or 240} s of {args.content} in "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip
    env = {"MEDIA_ENCODE_SCRATCH_DIR": str(work / "scratch")}
    base = {"videoId": str(uuid.uuid4()), "source": source.resolve().as_uri(),
            "ladder": [r.model_dump(mode="json", by_alias=True) for r in DEFAULT_LADDER],
            "segmentDuration": 4, "rateControl": args.rate_control}  # fmt: skip
    gaps = [b - a for a, b in itertools.pairwise(keyframes(source))]
    print(f"source: {source} ({source.stat().st_size / 1e6:.1f} MB); keyframes every "
          f"{min(gaps, default=0):.1f}-{max(gaps, default=0):.1f} s; {os.cpu_count()} CPUs; "
          f"{load()}")  # fmt: skip
    print(f"rateControl: {args.rate_control} (one pass and chunks alike)")

    one = {**base, "jobId": str(uuid.uuid4()), "output": (work / "one").as_uri() + "/"}
    EncodingJobSpec.model_validate(one)
    one_wall, one_cpu = run(one, env)
    print(f"(a) one pass:      wall {one_wall:7.2f} s   CPU {one_cpu:7.2f} s   load "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip

    chunked = {**base, "jobId": str(uuid.uuid4()), "chunks": args.chunks,
               "output": (work / "chunked").as_uri() + "/"}  # fmt: skip
    steps = []
    sizes = []
    for index in range(args.chunks + 1):
        wall, cpu = run(chunked, {**env, "MEDIA_ENCODE_STEP": "chunk",
                                  "JOB_COMPLETION_INDEX": str(index)})  # fmt: skip
        what = "audio" if index == args.chunks else f"chunk {index}"
        record = json.loads((work / "chunked" / "chunks" / f"{index:03d}" / "manifest.json")
                            .read_text())  # fmt: skip
        span = record.get("span") or {}
        detail = f"from segment {span['first_segment']}" if span else record["kind"]
        print(f"    step {index:2d} ({what:8s}) wall {wall:7.2f} s   CPU {cpu:7.2f} s   "
              f"{detail}, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        if span:
            sizes.append(span["first_segment"])
        steps.append((wall, cpu))
    join_wall, join_cpu = run(chunked, {**env, "MEDIA_ENCODE_STEP": "join"})
    print(f"    join           wall {join_wall:7.2f} s   CPU {join_cpu:7.2f} s")
    if args.again:  # other work on the machine changes CPU times too (shared caches, SMT)
        again = {**one, "jobId": str(uuid.uuid4()), "output": (work / "again").as_uri() + "/"}
        again_wall, again_cpu = run(again, env)
        print(f"(a') one pass again: wall {again_wall:7.2f} s   CPU {again_cpu:7.2f} s   load "
              f"{os.getloadavg()[0]:.1f}; from here on (a) is the mean of both")  # fmt: skip
        one_wall, one_cpu = (one_wall + again_wall) / 2, (one_cpu + again_cpu) / 2
    chunk_walls = [w for w, _ in steps[:-1]]
    chunk_cpus = [c for _, c in steps[:-1]]
    audio_wall, audio_cpu = steps[-1]
    total_cpu = sum(c for _, c in steps) + join_cpu
    print(f"(b) chunked, N={args.chunks}: CPU {total_cpu:7.2f} s "
          f"(sum of the steps' wall: {sum(w for w, _ in steps) + join_wall:.2f} s)")  # fmt: skip
    print(f"CPU (b)/(a): {total_cpu / one_cpu:.3f}   (target <= 1.05)")
    # what N + 1 more interpreter start-ups cost (Python, pydantic, PyAV, httpx imports)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([*worker(), "--help"], capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    extra = (args.chunks + 1) * start
    print(
        f"    of which {args.chunks + 1} more worker start-ups: ~{extra:.2f} s "
        f"({start:.2f} s each); without them: {(total_cpu - extra) / one_cpu:.3f}"
    )
    print(f"join: wall {join_wall:.2f} s, CPU {join_cpu:.2f} s")
    segments = [b - a for a, b in itertools.pairwise(sizes)]
    print(f"chunk sizes (segments): {segments} + the last; slowest chunk's CPU / mean: "
          f"{max(chunk_cpus) / (sum(chunk_cpus) / len(chunk_cpus)):.3f}")  # fmt: skip
    critical_cpu = max(max(chunk_cpus), audio_cpu) + join_cpu
    critical_wall = max(max(chunk_walls), audio_wall) + join_wall
    print(f"predicted speed-up with {args.chunks} pods (target >= {0.8 * args.chunks:.1f}x):")
    print(f"  by CPU:  {one_cpu / critical_cpu:.2f}x  = one pass {one_cpu:.2f} s / "
          f"(max(slowest chunk {max(chunk_cpus):.2f} s, audio {audio_cpu:.2f} s) + join "
          f"{join_cpu:.2f} s); audio after the chunks: "
          f"{one_cpu / (max(chunk_cpus) + audio_cpu + join_cpu):.2f}x")  # fmt: skip
    print(f"  by wall: {one_wall / critical_wall:.2f}x  = one pass {one_wall:.2f} s / "
          f"(max(slowest chunk {max(chunk_walls):.2f} s, audio {audio_wall:.2f} s) + join "
          f"{join_wall:.2f} s); audio after the chunks: "
          f"{one_wall / (max(chunk_walls) + audio_wall + join_wall):.2f}x")  # fmt: skip

    manifest = json.loads((work / "one" / "manifest.json").read_text())
    top = manifest["hls"]["renditions"][0]["name"]
    a_frames, a_seconds = decoded(work / "one" / "hls" / top / "index.m3u8", "video")
    b_frames, b_seconds = decoded(work / "chunked" / "hls" / top / "index.m3u8", "video")
    equal = (a_frames, round(a_seconds, 3)) == (b_frames, round(b_seconds, 3))
    same = "equal" if equal else "DIFFERENT"
    print(f"video frames ({top}): one pass {a_frames} ({a_seconds:.3f} s), "
          f"chunked {b_frames} ({b_seconds:.3f} s): {same}")  # fmt: skip
    joined = json.loads((work / "chunked" / "manifest.json").read_text())
    for track in manifest["hls"].get("audio") or []:
        a_audio = decoded(work / "one" / track["playlist"], "audio")
        b_audio = decoded(work / "chunked" / track["playlist"], "audio")
        print(f"audio frames ({track['name']}): one pass {a_audio[0]} ({a_audio[1]:.3f} s), "
              f"chunked {b_audio[0]} ({b_audio[1]:.3f} s)")  # fmt: skip
    print(f"manifest durations: {manifest['duration']} / {joined['duration']}")
    print(f"{load()}; outputs under {work}")


if __name__ == "__main__":
    main()
