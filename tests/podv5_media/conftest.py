"""Fixtures for the media operator and its workers: generated clips, a signed-callback
receiver, and a runner for the real ``media-encode`` command.

Clips are generated at test time with ffmpeg's lavfi sources (``testsrc2``, ``sine``), a
few seconds each and small, once per session.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from podv5_media.ffmpeg import find_ffmpeg

# --- clips ---------------------------------------------------------------------------------

_V = "testsrc2=size={size}:rate={rate}:duration={d}"
_A = "sine=frequency=440:sample_rate={sr}:duration={d}"


def _lavfi_av(size="320x240", rate=25, d=2, sr=48000):
    return ["-f", "lavfi", "-i", _V.format(size=size, rate=rate, d=d),
            "-f", "lavfi", "-i", _A.format(sr=sr, d=d)]  # fmt: skip


_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]

#: name -> (file name, ffmpeg arguments between the global options and the output)
CLIP_RECIPES: dict[str, tuple[str, list[str]]] = {
    "hd1080": ("hd1080.mp4", [*_lavfi_av("1920x1080", 30, 2), *_H264, "-c:a", "aac"]),
    "plain": ("plain.mp4", [*_lavfi_av(), *_H264, "-c:a", "aac"]),
    "odd_641x479": (
        "odd.mkv",
        [*_lavfi_av("641x479"), "-c:v", "ffv1", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ),
    "yuv444": (
        "yuv444.mp4",
        [
            *_lavfi_av(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv444p",
            "-c:a",
            "aac",
        ],
    ),  # fmt: skip
    "surround51": ("surround.mp4", [*_lavfi_av(), *_H264, "-c:a", "aac", "-ac", "6"]),
    "mono16k": ("mono16k.mp4", [*_lavfi_av(sr=16000), *_H264, "-c:a", "aac", "-ac", "1"]),
    "vp8_vorbis": (
        "vp8.webm",
        [
            *_lavfi_av(),
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-b:v",
            "500k",
            "-c:a",
            "libvorbis",
        ],
    ),  # fmt: skip
    "opus_audio_only": (
        "opus.mka",
        ["-f", "lavfi", "-i", _A.format(sr=48000, d=3), "-c:a", "libopus", "-b:a", "64k"],
    ),
    "video_only": (
        "video_only.mp4",
        ["-f", "lavfi", "-i", _V.format(size="320x240", rate=25, d=2), *_H264],
    ),
    "vfr": (
        "vfr.mkv",
        [
            *_lavfi_av(rate=30, d=3),
            "-vf",
            "select='lt(t,1)+not(mod(n,3))'",
            "-fps_mode",
            "vfr",
            *_H264,
            "-c:a",
            "aac",
        ],
    ),  # fmt: skip
    "interlaced": (
        "interlaced.mp4",
        [*_lavfi_av(rate=25), *_H264, "-flags", "+ildct+ilme", "-x264opts", "tff=1", "-c:a", "aac"],
    ),  # fmt: skip
    "start_offset": (
        "offset.ts",
        [*_lavfi_av(), *_H264, "-c:a", "aac", "-output_ts_offset", "10"],
    ),
    "storyboard_13s": (
        "storyboard.mp4",
        ["-f", "lavfi", "-i", _V.format(size="160x120", rate=10, d=13), *_H264],
    ),
    "faststart": (
        "faststart.mp4",
        [*_lavfi_av(), *_H264, "-c:a", "aac", "-movflags", "+faststart"],
    ),
}


@pytest.fixture(scope="session")
def ffmpeg_exe() -> str:
    return find_ffmpeg()


@pytest.fixture(scope="session")
def clips_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def make_clip(ffmpeg_exe, clips_dir) -> Callable[[str], Path]:
    """``make_clip(name)``: the path of clip ``name`` (see ``CLIP_RECIPES``), made once."""
    lock = threading.Lock()

    def make(name: str) -> Path:
        filename, args = CLIP_RECIPES[name]
        path = clips_dir / filename
        with lock:
            if not path.exists():
                cmd = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                       *args, "-shortest", str(path)]  # fmt: skip
                subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        return path

    return make


@pytest.fixture(scope="session")
def rotated_clip(ffmpeg_exe, make_clip, clips_dir) -> Path:
    """``plain`` (320x240) with a 90° display matrix, muxed with ``-c copy``."""
    path = clips_dir / "rotated.mp4"
    if not path.exists():
        subprocess.run(
            [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-y",
             "-display_rotation", "90", "-i", str(make_clip("plain")),
             "-c", "copy", str(path)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    return path


# --- callback receiver ---------------------------------------------------------------------


@dataclass
class Received:
    """One request the receiver got."""

    msg_id: str
    timestamp: str
    body: dict | None
    verified: bool
    status: int
    at: float  # time.monotonic()

    @property
    def type(self) -> str | None:
        return self.body.get("type") if self.body else None

    @property
    def data(self) -> dict:
        return (self.body or {}).get("data", {})


@dataclass
class CallbackReceiver:
    """A real HTTP server on 127.0.0.1 that verifies Standard Webhooks signatures.

    ``statuses``: status codes to answer, in order, before answering 200 forever (a bad
    signature is always answered 401); ``by_type``: a fixed status for an event type.
    ``requests``: every request received.
    """

    secret: str
    statuses: list[int] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/v1/internal/callbacks"

    @property
    def accepted(self) -> list[Received]:
        """Verified requests answered with a 2xx, in arrival order."""
        return [r for r in self.requests if r.verified and 200 <= r.status < 300]

    def events(self, type_: str | None = None) -> list[Received]:
        return [r for r in self.accepted if type_ is None or r.type == type_]


def _handler(receiver: CallbackReceiver, lock: threading.Lock):
    webhook = Webhook(receiver.secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server naming)
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = webhook.verify(raw, headers)
                verified = True
            except WebhookVerificationError:
                body, verified = None, False
            with lock:
                if not verified:
                    status = 401
                elif body.get("type") in receiver.by_type:
                    status = receiver.by_type[body["type"]]
                else:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(
                    Received(
                        msg_id=headers.get("webhook-id", ""),
                        timestamp=headers.get("webhook-timestamp", ""),
                        body=body,
                        verified=verified,
                        status=status,
                        at=time.monotonic(),
                    )
                )
            payload = json.dumps({"status": "success" if status < 300 else "error"}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


@pytest.fixture
def webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def callback_receiver(webhook_secret):
    """A running ``CallbackReceiver`` (set ``.statuses`` to script failures)."""
    receiver = CallbackReceiver(secret=webhook_secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver, threading.Lock()))
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- running the worker -----------------------------------------------------------------


def media_encode_command() -> list[str]:
    """The installed ``media-encode`` console script (of this interpreter's venv)."""
    script = Path(sys.executable).with_name("media-encode")
    if script.exists():
        return [str(script)]
    found = shutil.which("media-encode")
    return [found] if found else [sys.executable, "-m", "podv5_media.encode.cli"]


@dataclass
class WorkerRun:
    returncode: int
    stderr: str
    output_dir: Path
    spec: dict
    wall_time: float


@pytest.fixture
def run_worker(tmp_path, webhook_secret):
    """``run_worker(source, ladder=..., callback=receiver, **spec_overrides) -> WorkerRun``.

    Runs the real ``media-encode`` command in a subprocess on ``source`` and returns its
    exit code, its stderr and the output prefix folder (``file://`` URIs under tmp_path).
    """

    def run(source: Path, *, ladder: list[dict] | None = None, callback=None, **overrides):
        output = tmp_path / f"out-{uuid.uuid4().hex[:8]}" / "video"
        spec = {
            "jobId": str(uuid.uuid4()),
            "videoId": str(uuid.uuid4()),
            "source": Path(source).as_uri(),
            "output": output.as_uri() + "/",
            "ladder": ladder or SMALL_LADDER,
            "segmentDuration": 2,
        }
        if callback is not None:
            spec["callbackUrl"] = callback.url
        spec.update(overrides)
        spec_path = tmp_path / f"spec-{spec['jobId']}.json"
        spec_path.write_text(json.dumps(spec))
        env = {
            **os.environ,
            "CALLBACK_SIGNING_SECRET": webhook_secret,
            "MEDIA_ENCODE_SCRATCH_DIR": str(tmp_path / "scratch"),
        }
        started = time.monotonic()
        proc = subprocess.run(
            [*media_encode_command(), "--spec", str(spec_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return WorkerRun(
            returncode=proc.returncode,
            stderr=proc.stderr,
            output_dir=output,
            spec=spec,
            wall_time=time.monotonic() - started,
        )

    return run


#: a small ladder for small clips (the 1080p case uses the default ladder)
SMALL_LADDER = [
    {"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96},
    {"name": "240p", "height": 240, "videoKbps": 400, "audioKbps": 64},
    {"name": "144p", "height": 144, "videoKbps": 200, "audioKbps": 64},
]
