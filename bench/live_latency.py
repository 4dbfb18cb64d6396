"""Live latency benchmark: push → segment listed in the live playlist.

Starts the ``media-live`` worker (no API, no callbacks) on a free local port, and an
ffmpeg that publishes a live-paced (``-re``) 640x360 test pattern with the local wall
clock burnt in (drawtext ``%{localtime}``, to check by eye in a player) and a tone,
H.264/AAC, 2 s keyframe interval, over RTMP with the stream key (or, ``--protocol srt``,
MPEG-TS over SRT with the key as passphrase). The publisher reports
its progress (``-progress``, every 0.1 s), which maps media time to wall time: the push
time of a segment's first frame is ``T0 + its media start``. The playlist
(``hls/index.m3u8``) is polled every 20 ms; the latency of a segment is the time it
first appears there minus the push time of its first frame (so it includes the segment
duration), and, second figure, minus the push time of its last frame.

    .venv/bin/python bench/live_latency.py [--seconds 60] [--segment 2] [--protocol srt]

Prints p50/p95/max over the segments of the run. Target with 2 s segments: p95 ≤ 6 s.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def free_port(udp: bool = False) -> int:
    with socket.socket(type=socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="push duration (s)")
    parser.add_argument("--segment", type=float, default=2, help="HLS segment duration (s)")
    parser.add_argument("--protocol", choices=("rtmp", "srt"), default="rtmp")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="live-latency-"))
    key, port = uuid.uuid4().hex, free_port(udp=args.protocol == "srt")
    spec = {
        "eventId": str(uuid.uuid4()),
        "streamKey": key,
        "protocol": args.protocol,
        "port": port,
        "output": (work / "out").as_uri() + "/",
        "segmentDuration": args.segment,
        "record": False,
        "reconnectSeconds": 0,
    }
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec))
    worker = subprocess.Popen(
        [sys.executable, "-m", "podv5_media.live.cli", "--spec", str(spec_path)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    listening = threading.Event()

    def worker_log() -> None:  # wait for "ingest on", then drain the worker's log
        assert worker.stderr is not None
        for line in worker.stderr:
            if "ingest on" in line:
                listening.set()

    threading.Thread(target=worker_log, daemon=True).start()
    playlist = work / "out" / "hls" / "index.m3u8"
    listed: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                text = playlist.read_text()
            except OSError:
                text = ""
            now = time.time()
            for name in re.findall(r"^(s\d+_\d+\.ts)$", text, flags=re.M):
                listed.setdefault(name, now)
            time.sleep(0.02)

    threading.Thread(target=poll, daemon=True).start()
    if not listening.wait(timeout=60):
        print("run failed: the worker did not start listening")
        worker.kill()
        return 1
    time.sleep(0.5)  # ffmpeg's listener behind the log line comes up
    gop = int(25 * args.segment)
    drawtext = (
        "drawtext=text='%{localtime\\:%H\\\\\\:%M\\\\\\:%S}.%{eif\\:mod(t*1000\\,1000)\\:d\\:3}'"
        ":fontcolor=white:fontsize=40:box=1:boxcolor=black@0.6:x=20:y=20"
    )
    publisher = subprocess.Popen(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={args.seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={args.seconds}",
            "-vf", drawtext,
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
            "-progress", "pipe:1", "-stats_period", "0.1",
            *(
                ["-f", "mpegts", f"srt://127.0.0.1:{port}?passphrase={key}"]
                if args.protocol == "srt"
                else ["-f", "flv", f"rtmp://127.0.0.1:{port}/live/{key}"]
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    offsets: list[float] = []  # wall time - media time, per progress report
    assert publisher.stdout is not None
    for line in publisher.stdout:
        name, _, value = line.strip().partition("=")
        if name == "out_time_us" and value.isdigit() and int(value) > 0:
            offsets.append(time.time() - int(value) / 1e6)
    publisher.wait()
    time.sleep(args.segment * 2 + 1)  # the last segments get listed
    stop.set()
    worker.terminate()
    worker.wait(timeout=30)
    if publisher.returncode != 0 or not offsets or not listed:
        print(f"run failed: publisher rc={publisher.returncode}, {len(listed)} segments listed")
        return 1
    # the earliest offsets are the least delayed by buffering in the publisher
    t0 = percentile(offsets, 5)
    first, last = [], []
    for name, seen in sorted(listed.items()):
        index = int(name.split("_")[1].split(".")[0])
        start = t0 + index * args.segment
        if start + args.segment > t0 + args.seconds:
            continue  # the last, partial segment is cut by the end of the push
        first.append(seen - start)
        last.append(seen - start - args.segment)
    print(
        f"live latency ({args.protocol}), {len(first)} segments of {args.segment:g} s "
        f"over {args.seconds:g} s"
    )
    for label, values in (("first frame pushed → listed", first), ("last frame", last)):
        print(
            f"  {label:28s} p50 {statistics.median(values):5.2f} s  "
            f"p95 {percentile(values, 95):5.2f} s  max {max(values):5.2f} s"
        )
    target = percentile(first, 95) <= 6.0
    print(f"  target p95 ≤ 6 s (from the first frame): {'met' if target else 'MISSED'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if target else 2


if __name__ == "__main__":
    sys.exit(main())
