"""``media-live`` in a pod (the operator's Deployment): the spec inline, the key from the
environment, and an HTTP health endpoint for the kubelet's probes.

- ``--spec`` is a JSON file path (the local runner) or inline JSON (the Deployment);
  a spec without ``streamKey`` takes it from ``MEDIA_LIVE_STREAM_KEY`` (a Secret, so the
  key is on no command line and in no resource);
- with ``MEDIA_LIVE_HEALTH_PORT`` set, ``GET /healthz`` answers 200 while the process
  runs (liveness) and ``GET /readyz`` 200 once the ingest listens and until the worker
  stops (readiness), 503 otherwise. A TCP probe on the ingest port would reach the
  stream-key gate and ffmpeg's listener (a connection each time), hence this port.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from podv5_contract.live_worker import LiveSpec

ENV_STREAM_KEY = "MEDIA_LIVE_STREAM_KEY"
ENV_HEALTH_PORT = "MEDIA_LIVE_HEALTH_PORT"


def load_spec(value: str) -> LiveSpec:
    """The ``LiveSpec`` of ``--spec`` (inline JSON if it starts with ``{``, else a file);
    ``streamKey`` from ``MEDIA_LIVE_STREAM_KEY`` when the spec has none. Raises
    ``OSError``/``ValueError``/``pydantic.ValidationError``."""
    text = value if value.lstrip().startswith("{") else Path(value).read_text()
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the spec must be a JSON object")
    if "streamKey" not in data and "stream_key" not in data and os.environ.get(ENV_STREAM_KEY):
        data["streamKey"] = os.environ[ENV_STREAM_KEY].strip()
    return LiveSpec.model_validate(data)


def is_ready(worker) -> bool:
    """The ingest listens (a listener session exists) and the worker is not stopping."""
    return worker.session is not None and not worker.stopping.is_set()


class HealthServer:
    """``/healthz`` and ``/readyz`` of a ``LiveWorker`` on ``port`` (all addresses)."""

    def __init__(self, worker, port: int, bind: str = "0.0.0.0") -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server naming)
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    ok = True
                elif path == "/readyz":
                    ok = is_ready(worker)
                else:
                    self.send_error(404)
                    return
                body = b"ok\n" if ok else b"not ready\n"
                self.send_response(200 if ok else 503)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # probes every few seconds: not worth a line
                pass

        self.server = ThreadingHTTPServer((bind, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="live-health", daemon=True
        )
        self._thread.start()

    @classmethod
    def from_env(cls, worker) -> HealthServer | None:
        """A server on ``MEDIA_LIVE_HEALTH_PORT`` if set, else None."""
        port = os.environ.get(ENV_HEALTH_PORT, "").strip()
        return cls(worker, int(port)) if port else None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
