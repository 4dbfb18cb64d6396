"""The main job end to end on one machine: migrate, create a demo user, start the API,
upload a clip with the stock tus client (tuspy), wait until it is encoded, print the
player config and a URL to play it.

Usage: ``make demo [VIDEO=path/to/clip]`` (without VIDEO a test clip is generated).
The server keeps running afterwards when the terminal is interactive (Ctrl-C stops
it); ``DEMO_SERVE=0`` stops it at once, ``DEMO_SERVE=1`` keeps it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import imageio_ffmpeg
from tusclient import client as tus_client

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USERNAME, PASSWORD = "demo", "demo-password"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def generate_clip(
    path: Path, *, seconds: float = 10, size: str = "1280x720", audio: bool = True
) -> Path:
    """A test clip from ffmpeg's test sources: pattern (+ 440 Hz tone), H.264/AAC MP4."""
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            *inputs,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            *(["-c:a", "aac"] if audio else []),
            str(path),
        ],
        check=True,
    )
    return path


#: the API's server, as ``make serve``, the Dockerfile and the chart run it: gunicorn
#: managing uvicorn workers (event loop: slow clients cost a socket, not a thread) with
#: bounded timeouts; api/serving.py explains each one
SERVE_ARGS = [
    "-c", "api/gunicorn_conf.py", "api.asgi:application",
    "--worker-class", "api.serving.UvicornWorker",
    "--timeout", "30", "--graceful-timeout", "30", "--keep-alive", "5",
]  # fmt: skip


def start_server(port: int, env: dict, workers: int = 1) -> subprocess.Popen:
    """The API as ``make serve`` runs it (``workers`` uvicorn workers under gunicorn) on
    127.0.0.1:``port``."""
    return subprocess.Popen(
        [str(BIN / "gunicorn"), *SERVE_ARGS, "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip


class ServerDidNotStart(RuntimeError):
    """The API server exited, or did not answer, during start-up."""


def wait_until_up(base: str, server: subprocess.Popen, *, timeout: float = 60) -> None:
    """Wait until the server ``start_server`` started answers ``/healthz`` with 200;
    raises ServerDidNotStart if it exits first or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerDidNotStart("the API server exited during start-up; see its log above")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise ServerDidNotStart(f"the API server did not come up within {timeout:.0f} s")


def run(video_path: Path, base: str, api: httpx.Client) -> dict:
    token = api.post(
        "/api/v1/auth/token/pair", json={"username": USERNAME, "password": PASSWORD}
    ).json()["data"]["access"]
    api.headers["Authorization"] = f"Bearer {token}"
    video = api.post(
        "/api/v1/videos", json={"title": video_path.stem, "description": "Uploaded by make demo"}
    ).json()["data"]
    say(
        f"video {video['id']} created ({video['status']}); uploading "
        f"{video_path.name} ({video_path.stat().st_size} bytes) with tus"
    )
    uploader = tus_client.TusClient(
        video["upload"]["url"], headers={"Authorization": f"Bearer {token}"}
    ).uploader(
        str(video_path),
        chunk_size=1024 * 1024,
        upload_checksum=True,
        metadata={"video": video["id"], "filename": video_path.name},
    )
    uploader.upload()
    say("upload complete; encoding")
    last = None
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        data = api.get(f"/api/v1/videos/{video['id']}").json()["data"]
        encoding = data["encoding"] or {}
        state = (data["status"], encoding.get("phase"), round(encoding.get("progress", 0)))
        if state != last:
            say(f"status {state[0]}, job {state[1]}, {state[2]} %")
            last = state
        if data["status"] in ("ready", "failed"):
            break
        time.sleep(1)
    if data["status"] != "ready":
        sys.exit(f"the video did not become ready: {json.dumps(data.get('error'))}")
    rungs = [f"{r['name']} {r['width']}x{r['height']}" for r in data["renditions"]]
    say("renditions: " + ", ".join(rungs))
    return api.get(f"/api/v1/videos/{video['id']}/player").json()["data"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, help="clip to upload (default: generated)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", 8000)))
    args = parser.parse_args()
    serve = os.environ.get("DEMO_SERVE", "1" if sys.stdin.isatty() else "0") == "1"

    port = free_port(args.port)
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1"), "API_BASE_URL": base}
    say("migrating the database (SQLite under var/ unless DATABASE_URL is set)")
    manage("migrate", "--noinput", "-v0", env=env)
    manage("ensure_user", "--username", USERNAME, "--password", PASSWORD, "--staff", env=env)

    with tempfile.TemporaryDirectory() as tmp:
        if args.video is None:
            say("no VIDEO=... given: generating a 10 s 1280x720 test clip with ffmpeg")
        video_path = args.video or generate_clip(Path(tmp) / "pod-demo-clip.mp4")
        if not video_path.is_file():
            sys.exit(f"VIDEO={video_path}: no such file")
        say(f"starting the API on {base}")
        server = start_server(port, env)
        try:
            try:
                wait_until_up(base, server)
            except ServerDidNotStart as exc:
                sys.exit(str(exc))
            with httpx.Client(base_url=base, timeout=30) as api:
                player = run(video_path.resolve(), base, api)
            print(json.dumps(player, indent=2))
            say("ready. Play it with:  ffplay " + player["hls"]["url"])
            say(
                "(or open the HLS URL in VLC or Safari; MP4: "
                + (player["mp4"][0]["url"] if player["mp4"] else "none")
                + ")"
            )
            say(f"API docs: {base}/api/docs — log in as {USERNAME} / {PASSWORD}")
            if serve:
                say("the API keeps running; Ctrl-C to stop")
                server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
