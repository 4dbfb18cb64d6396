"""The live worker's main loop.

1. RTMP: the gate (``gate.RtmpGate``) listens on the public port; ffmpeg listens behind
   it on a private port. SRT: ffmpeg listens on the public (UDP) port itself, the key as
   its passphrase (``command._input``). Then ``live.starting`` with ``listening: true``.
2. When a checked publisher's media reaches ffmpeg (its first progress report):
   ``live.on_air`` (``seq`` = session number). While on air, ``poster.jpg`` is grabbed
   from the newest segment (at once, then every ``poster_seconds``).
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

from podv5_contract.live_worker import LiveSpec

from .command import concat_command, poster_command, session_command
from .gate import RtmpGate
from .report import LiveReporter

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
        upstream, gate = 0, None
        if self.spec.protocol == "rtmp":
            upstream = _free_port()
            gate = RtmpGate(
                key=self.spec.stream_key,
                bind=self.spec.bind,
                port=self.spec.port,
                upstream_port=upstream,
            ).start()
        log.info(
            "event %s: %s ingest on %s:%d",
            self.spec.event_id,
            self.spec.protocol,
            self.spec.bind,
            gate.port if gate else self.spec.port,
        )
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
            if gate is not None:
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
        if self.spec.poster_seconds > 0:
            threading.Thread(target=self._posters, args=(session,), daemon=True).start()
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

    def _posters(self, session: Session) -> None:
        """While the session runs: ``poster.jpg`` from the newest listed segment, first
        as soon as one is listed, then every ``poster_seconds``. A failed grab is logged
        and retried at the next turn; the previous poster stays (atomic replace)."""
        playlist = self.out_dir / "hls" / "index.m3u8"
        poster, grabbed, last = self.out_dir / "poster.jpg", None, 0.0
        while session.proc.poll() is None and not self.stopping.is_set():
            due = grabbed is None or time.monotonic() - last >= self.spec.poster_seconds
            newest = _newest_segment(playlist) if session.on_air.is_set() and due else None
            if newest is not None and newest != grabbed:
                tmp = poster.with_name("poster.tmp.jpg")
                done = subprocess.run(
                    poster_command(self.ffmpeg, playlist.parent / newest, tmp),
                    capture_output=True,
                    text=True,
                )
                if done.returncode == 0 and tmp.is_file():
                    os.replace(tmp, poster)
                    grabbed, last = newest, time.monotonic()
                else:
                    log.info("poster not grabbed: %s", done.stderr.strip()[-200:])
            time.sleep(0.5)

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
            last = err.strip().splitlines()[-1].replace(self.spec.stream_key, "***")
            log.info("ffmpeg session %d: %s", session.number, last)
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


def _newest_segment(playlist: Path) -> str | None:
    """The last segment URI listed in a live playlist (None: no playlist or segment)."""
    try:
        lines = playlist.read_text().splitlines()
    except OSError:
        return None
    uris = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return uris[-1] if uris else None
