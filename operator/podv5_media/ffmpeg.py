"""Locating and running the ffmpeg executable.

Order of the look-up: ``$FFMPEG_BINARY`` if set, else ``ffmpeg`` on ``PATH``, else the
binary shipped by the ``imageio-ffmpeg`` wheel. ``FfmpegNotFound`` if none is usable.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence

from podv5_contract.logs import configure_worker_logging

log = logging.getLogger(__name__)


class FfmpegNotFound(RuntimeError):
    """No usable ffmpeg executable."""


def find_ffmpeg(env: dict[str, str] | None = None) -> str:
    """The path of the ffmpeg executable to run (see the module docstring)."""
    env = os.environ if env is None else env
    configured = env.get("FFMPEG_BINARY", "").strip()
    if configured:
        found = shutil.which(configured)
        if not found:
            raise FfmpegNotFound(f"FFMPEG_BINARY={configured!r} is not an executable")
        return found
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise FfmpegNotFound("no ffmpeg on PATH and imageio-ffmpeg is not installed") from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise FfmpegNotFound(str(exc)) from exc


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error. ``stderr_tail``: its last log lines."""

    def __init__(self, returncode: int, stderr_tail: list[str]):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        detail = " | ".join(line for line in stderr_tail[-5:] if line) or "no error output"
        super().__init__(f"ffmpeg exited with status {returncode}: {detail}")


def run_ffmpeg(
    cmd: list[str],
    *,
    on_stdout_line: Callable[[str], None] | None = None,
    tail_lines: int = 40,
) -> list[str]:
    """Run ``cmd``, feeding each stdout line to ``on_stdout_line`` (e.g. ``-progress
    pipe:1`` output) while stderr is collected in a background thread.

    Returns the last ``tail_lines`` stderr lines; raises ``FfmpegError`` on a non-zero
    exit. The process is killed if this function is interrupted (e.g. by SIGTERM turned
    into an exception).
    """
    tail: deque[str] = deque(maxlen=tail_lines)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        bufsize=1,
    )
    reader = threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True)
    reader.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if on_stdout_line is not None:
                on_stdout_line(line)
        returncode = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
    if returncode != 0:
        raise FfmpegError(returncode, list(tail))
    return list(tail)


def _drain(stream, tail: deque[str]) -> None:
    for line in stream:
        line = line.rstrip()
        if line:
            log.debug("ffmpeg: %s", line)
            tail.append(line)


def parse_worker_args(
    prog: str, description: str, spec_help: str, argv: Sequence[str] | None
) -> argparse.Namespace | int:
    """The worker command line shared by ``media-encode`` and ``media-live``:
    ``--spec`` and ``-v``; sets up logging to stderr. Returns the parsed arguments, or
    the exit code when argparse stopped (2 on a usage error, 0 for ``--help``)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--spec", required=True, help=spec_help)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    # stderr, text or JSON (LOG_FORMAT), with the request id of $POD_REQUEST_ID
    configure_worker_logging(verbose=args.verbose, stream=sys.stderr)
    return args
