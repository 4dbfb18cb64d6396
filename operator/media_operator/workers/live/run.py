"""The live worker's main loop.

1. The gate (``gate.RtmpGate``) listens on the public port; ffmpeg listens behind it on
   a private port; ``live.starting`` with ``listening: true`` is sent.
2. When a checked publisher's media reaches ffmpeg (its first progress report):
   ``live.on_air`` (``seq`` = session number).
3. When the input stops (ffmpeg exits): ``live.off_air``; the listener restarts for a
   reconnect. If no input comes back within ``reconnect_seconds`` the event is over.
4. On SIGTERM/SIGINT (stop), or at the end of the reconnect window: ffmpeg is stopped
   (it finalises its outputs), the recording parts are joined into
   ``rec/recording.ts`` and ``live.ended`` carries its URI and duration.

Exit codes: 0 ended, 1 failed (``live.failed`` sent), 2 usage.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from .command import concat_command, session_command
from .gate import RtmpGate
from .report import LiveReporter
from .spec import LiveSpec

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _local_dir(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise ValueError(f"media-live writes to a local folder (file://), got {uri}")
    return Path(unquote(parsed.path))


@dataclass
class Session:
    """One ffmpeg listener run; ``seconds``: media time received (from its progress)."""

    number: int
    proc: subprocess.Popen
    on_air: threading.Event = field(default_factory=threading.Event)
    seconds: float = 0.0


class LiveWorker:
    def __init__(self, spec: LiveSpec, *, ffmpeg: str, reporter: LiveReporter) -> None:
        self.spec = spec
        self.ffmpeg = ffmpeg
        self.reporter = reporter
        self.out_dir = _local_dir(spec.output)
        self.stopping = threading.Event()
        self.session: Session | None = None
        self.recorded = 0.0

    def stop(self, *_args) -> None:
        """Stop (signal handler safe): ffmpeg gets SIGTERM and finalises its outputs."""
        self.stopping.set()
        session = self.session
        if session is not None and session.proc.poll() is None:
            session.proc.send_signal(signal.SIGTERM)

    def run(self) -> int:
        (self.out_dir / "hls").mkdir(parents=True, exist_ok=True)
        (self.out_dir / "rec").mkdir(parents=True, exist_ok=True)
        upstream = _free_port()
        gate = RtmpGate(
            key=self.spec.stream_key,
            bind=self.spec.bind,
            port=self.spec.port,
            upstream_port=upstream,
        ).start()
        log.info("event %s: ingest on %s:%d", self.spec.event_id, self.spec.bind, gate.port)
        self.reporter.send("live.starting", listening=True)
        number, idle_since = 0, None
        try:
            while not self.stopping.is_set():
                number += 1
                session = self._start_session(number, upstream)
                aired = self._wait_session(session, idle_since)
                if aired:
                    self.reporter.send("live.off_air", seq=number)
                    idle_since = time.monotonic()
                else:
                    number -= 1  # nothing came in (refused or no publisher): same number
                if self._window_over(idle_since):
                    log.info("no input for %.0f s: ending", self.spec.reconnect_seconds)
                    break
        finally:
            gate.close()
            self.stop()
        recording, duration = self._finish_recording()
        self.reporter.send("live.ended", recording=recording, duration=duration)
        return 0

    def _window_over(self, idle_since: float | None) -> bool:
        if idle_since is None or self.spec.reconnect_seconds <= 0:
            return False
        return time.monotonic() - idle_since >= self.spec.reconnect_seconds

    def _start_session(self, number: int, upstream: int) -> Session:
        cmd = session_command(
            self.ffmpeg, self.spec, upstream_port=upstream, out_dir=self.out_dir, session=number
        )
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        session = Session(number, proc)
        self.session = session
        threading.Thread(target=self._read_progress, args=(session,), daemon=True).start()
        if self.stopping.is_set():
            self.stop()
        return session

    def _read_progress(self, session: Session) -> None:
        assert session.proc.stdout is not None
        for line in session.proc.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                session.seconds = max(session.seconds, int(value) / 1e6)
                if session.seconds > 0 and not session.on_air.is_set():
                    session.on_air.set()
                    log.info("event %s: on air (session %d)", self.spec.event_id, session.number)
                    self.reporter.send("live.on_air", seq=session.number)

    def _wait_session(self, session: Session, idle_since: float | None) -> bool:
        """Wait for ffmpeg to exit (input gone, refused, stop); ``True`` if it aired.
        Stops the listener when the reconnect window closes without input."""
        while True:
            try:
                session.proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if not session.on_air.is_set() and self._window_over(idle_since):
                    session.proc.send_signal(signal.SIGTERM)
        _, err = session.proc.communicate()
        if err.strip() and not self.stopping.is_set():
            log.info("ffmpeg session %d: %s", session.number, err.strip().splitlines()[-1])
        if session.on_air.is_set():
            self.recorded += session.seconds
            return True
        part = self.out_dir / "rec" / f"part-{session.number:03d}.ts"
        part.unlink(missing_ok=True)  # a session without media records nothing
        return False

    def _finish_recording(self) -> tuple[str | None, float | None]:
        """Join the parts into ``rec/recording.ts``; ``(file URI, seconds)`` or Nones."""
        if not self.spec.record:
            return None, None
        rec = self.out_dir / "rec"
        parts = sorted(p for p in rec.glob("part-*.ts") if p.stat().st_size > 0)
        if not parts:
            return None, None
        output = rec / "recording.ts"
        if len(parts) == 1:
            os.replace(parts[0], output)
        else:
            listing = rec / "parts.txt"
            listing.write_text("".join(f"file '{p.as_posix()}'\n" for p in parts))
            subprocess.run(concat_command(self.ffmpeg, listing, output), check=True)
            for part in parts:
                part.unlink()
            listing.unlink()
        return output.resolve().as_uri(), round(self.recorded, 3)
