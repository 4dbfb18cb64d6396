"""``media-live`` as the operator's Deployment runs it: the spec inline on the command
line without the key, the key from ``MEDIA_LIVE_STREAM_KEY``, and ``/healthz``/``/readyz``
on ``MEDIA_LIVE_HEALTH_PORT`` for the kubelet's probes (the real command, a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from podv5_media.live.pod import ENV_STREAM_KEY, load_spec

KEY = "pod-key-" + "z" * 24


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _inline(tmp_path: Path, port: int) -> dict:
    return {
        "eventId": str(uuid.uuid4()),
        "bind": "127.0.0.1",
        "port": port,
        "output": (tmp_path / "out").as_uri() + "/",
        "reconnectSeconds": 0,
    }


def test_load_spec_takes_the_key_from_the_environment(tmp_path, monkeypatch):
    inline = _inline(tmp_path, 1935)
    monkeypatch.setenv(ENV_STREAM_KEY, KEY + "\n")
    assert load_spec(json.dumps(inline)).stream_key == KEY
    # a file (the local runner's way) works the same; a key in the spec wins
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({**inline, "streamKey": "file-key-" + "y" * 20}))
    assert load_spec(str(path)).stream_key == "file-key-" + "y" * 20
    monkeypatch.delenv(ENV_STREAM_KEY)
    with pytest.raises(ValueError, match="streamKey"):
        load_spec(json.dumps(inline))


def test_health_endpoints_follow_the_worker(tmp_path):
    ingest, health = _free_port(), _free_port()
    env = {**os.environ, ENV_STREAM_KEY: KEY, "MEDIA_LIVE_HEALTH_PORT": str(health)}
    env.pop("CALLBACK_SIGNING_SECRET", None)
    command = [sys.executable, "-m", "podv5_media.live.cli",
               "--spec", json.dumps(_inline(tmp_path, ingest))]  # fmt: skip
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while _status(f"http://127.0.0.1:{health}/readyz") != 200:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the worker never got ready"
            time.sleep(0.1)
        assert _status(f"http://127.0.0.1:{health}/healthz") == 200
        assert _status(f"http://127.0.0.1:{health}/nope") == 404
        # the ingest listens behind its gate
        with socket.create_connection(("127.0.0.1", ingest), timeout=2):
            pass
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    assert KEY not in stderr and KEY not in " ".join(command)
