"""Benchmark of the ``media-encode`` pipeline (a script, not a test).

Times, on one 1080p reference clip, in the same run:

(a) the full pipeline: the ``media-encode`` command with a spec, signed callbacks to a
    local receiver included (probe, encode, remux, manifest, publish);
(b) the bare single ffmpeg command the worker builds (same arguments, run directly);
(c) one ffmpeg process per rendition, run one after the other (as Esup-Pod V4 does),
    with the same encoder settings (each command is the worker's own builder applied to
    a one-rendition plan; no poster, storyboard or MP4, so (c) does less work than (a)).

Prints each wall time, the medians over ``--runs`` rounds (a, b, c interleaved) and the
ratios a/b (target <= 1.05) and c/a (target >= 1.15).

Usage::

    .venv/bin/python bench/encode.py [--source clip.mp4] [--runs 3] [--duration 25]

Without ``--source`` a 1080p30 clip with stereo audio is generated (testsrc2 with
temporal noise, so that it is not trivially compressible).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook

from podv5_contract.spec import DEFAULT_LADDER, EncodingJobSpec
from podv5_media.encode.command import EncoderSettings, build_ffmpeg_command
from podv5_media.encode.ladder import plan_encoding
from podv5_media.ffmpeg import find_ffmpeg
from podv5_media.probe import probe


def generate_reference(ffmpeg: str, path: Path, duration: int) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={duration}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={duration}",
         "-vf", "noise=alls=6:allf=t", "-c:v", "libx264", "-preset", "veryfast",
         "-crf", "21", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-b:a", "192k",
         str(path)],
        check=True,
    )  # fmt: skip


class Receiver:
    """A local signed-callback receiver (verifies every signature)."""

    def __init__(self, secret: str) -> None:
        webhook = Webhook(secret)
        self.events: list[str] = []
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                body = webhook.verify(raw, dict(self.headers.items()))
                events.append(body["type"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callbacks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def media_encode() -> list[str]:
    script = Path(sys.executable).with_name("media-encode")
    return [str(script)] if script.exists() else [sys.executable, "-m",
                                                  "podv5_media.encode.cli"]  # fmt: skip


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes: user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def timed_all(cmds: list[list[str]]) -> tuple[float, float]:
    results = [timed(cmd) for cmd in cmds]
    return sum(w for w, _ in results), sum(c for _, c in results)


def prepare_dirs(out: Path, names: list[str], storyboard: bool) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for name in names:
        (out / "hls" / name).mkdir(parents=True)
    if storyboard:
        (out / "storyboard").mkdir(parents=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help="a 1080p clip (default: generated)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=25, help="generated clip length, s")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="bench-encode-"))
    source = args.source
    if source is None:
        source = work / "reference-1080p.mp4"
        print(f"generating a {args.duration} s 1080p reference clip...", flush=True)
        generate_reference(ffmpeg, source, args.duration)
    source = source.resolve()

    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    receiver = Receiver(secret)
    settings = EncoderSettings(
        preset=os.environ.get("MEDIA_ENCODE_X264_PRESET", "veryfast"),
        threads=int(os.environ["MEDIA_ENCODE_THREADS"])
        if os.environ.get("MEDIA_ENCODE_THREADS")
        else None,
    )
    spec = EncodingJobSpec(
        job_id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        source=source.as_uri(),
        output=(work / "published" / "video").as_uri() + "/",
        ladder=list(DEFAULT_LADDER),
        callback_url=receiver.url,
    )
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec.to_wire()))
    info = probe(source)
    plan = plan_encoding(info, spec)
    names = [r.name for r in plan.renditions]
    print(
        f"source: {source.name} {info.video.width}x{info.video.height} "
        f"{info.duration:.1f} s; renditions: {', '.join(names)}; preset {settings.preset}; "
        f"{os.cpu_count()} CPUs; {ffmpeg}",
        flush=True,
    )
    env = {**os.environ, "CALLBACK_SIGNING_SECRET": secret,
           "MEDIA_ENCODE_SCRATCH_DIR": str(work / "scratch")}  # fmt: skip
    bare_out = work / "bare"
    bare_cmd = build_ffmpeg_command(
        plan, ffmpeg=ffmpeg, source=source, out_dir=bare_out, settings=settings
    )
    per_rendition = [
        (
            r.name,
            build_ffmpeg_command(
                dataclasses.replace(plan, renditions=(r,), poster=None, storyboard=None),
                ffmpeg=ffmpeg,
                source=source,
                out_dir=work / "seq",
                settings=settings,
            ),
        )
        for r in plan.renditions
    ]

    def run_a() -> tuple[float, float]:
        shutil.rmtree(work / "published", ignore_errors=True)
        receiver.events.clear()
        result = timed([*media_encode(), "--spec", str(spec_path)], env=env)
        assert receiver.events[0] == "encoding.running", receiver.events
        assert receiver.events[-1] == "encoding.succeeded", receiver.events
        return result

    def run_b() -> tuple[float, float]:
        prepare_dirs(bare_out, names, plan.storyboard is not None)
        return timed(bare_cmd)

    def run_c() -> tuple[float, float]:
        prepare_dirs(work / "seq", names, False)
        return timed_all([cmd for _, cmd in per_rendition])

    runners = {"a": run_a, "b": run_b, "c": run_c}
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    try:
        for run in range(1, args.runs + 1):
            # rotate the order so that no variant always runs first (or last)
            order = "abc"[run % 3 :] + "abc"[: run % 3]
            for key in order:
                w, c = runners[key]()
                wall[key].append(w)
                cpu[key].append(c)
            print(
                f"run {run} (order {order}): wall (a) {wall['a'][-1]:.2f} s  (b) "
                f"{wall['b'][-1]:.2f} s  (c) {wall['c'][-1]:.2f} s | CPU (a) {cpu['a'][-1]:.1f} s"
                f"  (b) {cpu['b'][-1]:.1f} s  (c) {cpu['c'][-1]:.1f} s",
                flush=True,
            )
    finally:
        receiver.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    a, b, c = (statistics.median(wall[k]) for k in "abc")
    ca, cb, cc = (statistics.median(cpu[k]) for k in "abc")
    print(f"medians over {args.runs} runs, wall: (a) {a:.2f} s  (b) {b:.2f} s  (c) {c:.2f} s")
    print(f"  (a)/(b) = {a / b:.3f}  (target <= 1.05)   (c)/(a) = {c / a:.3f}  (target >= 1.15)")
    print(f"medians, CPU time: (a) {ca:.1f} s  (b) {cb:.1f} s  (c) {cc:.1f} s")
    print(f"  (a)/(b) = {ca / cb:.3f}   (c)/(a) = {cc / ca:.3f}")
    print(f"speed: (a) {info.duration / a:.2f}x real time; load average now {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
