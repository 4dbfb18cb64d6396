"""Process supervision for the test control plane and the pod runner.

Children are started in their own session with ``PR_SET_PDEATHSIG`` (they die with the
test process), killed by process group, and temp dirs are claimed so that those left by
killed test processes are swept.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

_PR_SET_PDEATHSIG = 1
try:
    _libc: Any = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux
    _libc = None


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGKILL when the thread that started it dies (Linux)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def kill_process_group(proc: subprocess.Popen, *, grace: float = 5.0) -> int | None:
    """SIGTERM the process's group (it was started with ``start_new_session``), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    # Whatever is left in the group (children of a shell, say) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
        return None


OWNER_FILE = ".owner-pid"


def claim_workdir(workdir: Path) -> None:
    """Record this process as the owner of a temp dir (see :func:`sweep_stale_workdirs`)."""
    (workdir / OWNER_FILE).write_text(str(os.getpid()))


def sweep_stale_workdirs(prefix: str) -> None:
    """Remove temp dirs ``<prefix>*`` left by test processes that were killed (SIGKILL
    leaves no chance to clean up; their child processes died with them: PDEATHSIG)."""
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            pid = int((path / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host`` (the kernel picks it, as envtest does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class _Component:
    name: str
    argv: list[str]
    log_path: Path
    proc: subprocess.Popen | None = None
    log_file: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: Mapping[str, str]) -> None:
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            kill_process_group(self.proc)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
