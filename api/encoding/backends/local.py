"""The ``local`` encoding backend: runs the worker command (``media-encode --spec
<file>``) as a subprocess, exactly as a Kubernetes Job would run it, in a bounded pool
(``ENCODING_LOCAL_CONCURRENCY`` threads). A long video's job (``spec.chunks``) runs its
chunks as child processes of that worker, ``ENCODING_CHUNK_WORKERS`` at once, then their
join (``podv5_media.encode.chunked``): still one job, one lease, one worker to stop.

Each running job holds a lease in the database (``lease_owner``/``lease_expires_at``),
renewed while its worker runs. A server that starts resumes jobs that are unfinished and
whose lease has lapsed: those a crash or restart cut off. Claiming is one conditional
UPDATE, so several server processes never run the same job twice.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import logging
import os
import queue
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from api.encoding.backends.base import EncodingBackend, report_failure
from api.encoding.models import EncodingJob, JobPhase
from podv5_contract.logs import REQUEST_ID, REQUEST_ID_ENV, valid_request_id

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
RENEW_SECONDS = 15
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the worker gets SIGTERM if the server thread that started it dies."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _holder_is_dead(owner: str) -> bool:
    """Whether a lease owner (``host:pid:nonce``) was a process of this host that is gone."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def worker_command() -> list[str]:
    """``ENCODING_WORKER_COMMAND`` split; a bare script name not on PATH is looked up next
    to the running interpreter (the virtualenv's bin/ when it is not activated)."""
    command = shlex.split(settings.ENCODING_WORKER_COMMAND)
    if command and os.sep not in command[0] and shutil.which(command[0]) is None:
        sibling = Path(sys.executable).parent / command[0]
        if sibling.exists():
            command[0] = str(sibling)
    return command


class LocalBackend(EncodingBackend):
    name = "local"

    def __init__(self) -> None:
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._queue: queue.Queue[UUID] = queue.Queue()
        self._procs: dict[UUID, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self._stopping = False
        # daemon threads: a server that stops is never held up by a running encode; the
        # jobs it interrupts are left for the next start to resume (see _stop)
        for n in range(settings.ENCODING_LOCAL_CONCURRENCY):
            threading.Thread(target=self._loop, name=f"encode-{n}", daemon=True).start()
        atexit.register(self._stop)

    # --- interface -------------------------------------------------------------------

    def submit(self, job_id: UUID) -> None:
        self._queue.put(job_id)

    def cancel(self, job_id: UUID) -> None:
        with self._lock:
            proc = self._procs.get(job_id)
        if proc is not None and proc.poll() is None:
            logger.info("cancelling job %s (pid %s)", job_id, proc.pid)
            proc.terminate()

    def resume(self) -> int:
        """Submit unfinished local jobs whose lease lapsed, or whose lease holder was a
        server process of this host that no longer exists (a crash or restart)."""
        now = timezone.now()
        unfinished = EncodingJob.objects.filter(
            backend=self.name, phase__in=(JobPhase.PENDING, JobPhase.RUNNING)
        ).exclude(lease_owner=self.owner)
        for job_id, owner in unfinished.filter(lease_expires_at__gte=now).values_list(
            "id", "lease_owner"
        ):
            if _holder_is_dead(owner):
                EncodingJob.objects.filter(id=job_id, lease_owner=owner).update(
                    lease_owner="", lease_expires_at=None
                )
        ids = list(
            unfinished.filter(
                Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
            ).values_list("id", flat=True)
        )
        for job_id in ids:
            self.submit(job_id)
        return len(ids)

    def wait_idle(self, timeout: float = 600) -> None:
        """Block until every submitted job has finished (tests, benchmarks); raises
        TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"encoding jobs still running after {timeout} s")
            time.sleep(0.1)

    def _stop(self) -> None:
        """At server exit: stop the workers and leave their jobs unfinished, with their
        lease released, so the next server start resumes them."""
        self._stopping = True
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            proc.terminate()
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)

    # --- work --------------------------------------------------------------------------

    def _claim(self, job_id: UUID) -> EncodingJob | None:
        now = timezone.now()
        claimed = (
            EncodingJob.objects.filter(id=job_id, phase__in=(JobPhase.PENDING, JobPhase.RUNNING))
            .filter(
                Q(lease_expires_at__isnull=True)
                | Q(lease_expires_at__lt=now)
                | Q(lease_owner=self.owner)
            )
            .update(lease_owner=self.owner, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS))
        )
        if not claimed:
            return None
        job = EncodingJob.objects.get(id=job_id)
        EncodingJob.objects.filter(id=job_id).update(attempts=job.attempts + 1)
        return job

    def _renew(self, job_id: UUID) -> None:
        EncodingJob.objects.filter(id=job_id, lease_owner=self.owner).update(
            lease_expires_at=timezone.now() + timedelta(seconds=LEASE_SECONDS)
        )

    def _release(self, job_id: UUID) -> None:
        EncodingJob.objects.filter(id=job_id, lease_owner=self.owner).update(
            lease_owner="", lease_expires_at=None
        )

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                self._run_safely(job_id)
            finally:
                self._queue.task_done()

    def _run_safely(self, job_id: UUID) -> None:
        try:
            self._run(job_id)
        except Exception:
            logger.exception("local encoding of job %s crashed", job_id)
        finally:
            connections.close_all()  # this thread's connections; none may linger idle

    def _run(self, job_id: UUID) -> None:
        job = self._claim(job_id)
        if job is None:
            logger.info("job %s is finished or run elsewhere; skipping", job_id)
            return
        # this thread's log lines, and the worker's, carry the id of the request behind it
        request_id = valid_request_id(job.spec.get("requestId"))
        REQUEST_ID.set(request_id)
        spec_dir = settings.VAR_DIR / "jobs"
        spec_dir.mkdir(parents=True, exist_ok=True)
        spec_path = spec_dir / f"{job.id}.json"
        spec_path.write_text(json.dumps(job.spec))
        command = [*worker_command(), "--spec", str(spec_path)]
        env = {
            **os.environ,
            "CALLBACK_SIGNING_SECRET": settings.CALLBACK_SIGNING_SECRET,
            # a chunked job (spec.chunks): the worker runs its chunks in a pool this big
            "MEDIA_ENCODE_CHUNK_WORKERS": str(settings.ENCODING_CHUNK_WORKERS),
        }
        env.pop(REQUEST_ID_ENV, None)
        if request_id:
            env[REQUEST_ID_ENV] = request_id
        logger.info("job %s: running %s", job.id, shlex.join(command))
        try:
            proc = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
            )
        except OSError as exc:
            report_failure(
                job_id=job.id,
                reason="worker_unavailable",
                message=f"Could not start the worker: {exc}",
            )
            self._release(job.id)
            return
        with self._lock:
            self._procs[job.id] = proc
        try:
            while True:
                try:
                    code = proc.wait(timeout=RENEW_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    self._renew(job.id)
        finally:
            with self._lock:
                self._procs.pop(job.id, None)
        job.refresh_from_db()
        if self._stopping and not job.is_terminal:
            logger.info("job %s interrupted by server shutdown; left for resume", job.id)
            self._release(job.id)
            return
        if code != 0 and not job.is_terminal:
            # the worker died without reporting (killed, crashed before its callback)
            report_failure(
                job_id=job.id,
                reason="worker_failed",
                message=f"The worker exited with code {code}.",
            )
        elif code == 0 and not job.is_terminal:
            report_failure(
                job_id=job.id,
                reason="worker_no_result",
                message="The worker exited without reporting a result.",
            )
        self._release(job.id)
        spec_path.unlink(missing_ok=True)
