"""A real webhook receiver: an HTTP server on loopback (``http.server`` in a thread) that
records every request and answers as its ``plan`` says; and the settings that let
webhooks reach loopback (``WEBHOOK_ALLOWED_NETWORKS``) with quick retries."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def verify(self, secret: str) -> dict:
        """The payload, once ``standardwebhooks`` verified its signature with ``secret``
        (raises ``WebhookVerificationError`` otherwise)."""
        return Webhook(secret).verify(self.body, self.headers)

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    #: what to answer, request after request: a status, or ("sleep", seconds), or
    #: ("redirect", location); past the end of the plan: 200
    plan: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} received"
            time.sleep(0.05)
        return list(self.received)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                step = state.plan.pop(0) if state.plan else 200
            if isinstance(step, tuple) and step[0] == "sleep":
                time.sleep(step[1])
                step = 200
            if isinstance(step, tuple) and step[0] == "redirect":
                self.send_response(302)
                self.send_header("Location", step[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer = b'{"ok": true}' if step < 300 else b"receiver says no"
            self.send_response(step)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the sender gave up (timeout) and closed
                self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return settings
