"""``media-live --spec <path to a JSON file | inline JSON>``: run the ingest of one live event.

The spec is a ``LiveSpec`` (wire, camelCase); it holds the stream key, so it comes in a
file (mode 0600), never on the command line. Environment: ``CALLBACK_SIGNING_SECRET``
(required with a ``callbackUrl``), ``FFMPEG_BINARY`` (optional); in a pod,
``MEDIA_LIVE_STREAM_KEY`` and ``MEDIA_LIVE_HEALTH_PORT`` (see ``pod``). Logs go to stderr and
never contain the key. SIGTERM/SIGINT stop the event cleanly (``live.ended``). Exit
codes: 0 ended, 1 failed, 2 bad spec/usage.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from podv5_media.ffmpeg import FfmpegNotFound, find_ffmpeg, parse_worker_args

from .pod import HealthServer, load_spec
from .report import LiveReporter
from .run import LiveWorker

log = logging.getLogger("podv5_media.live")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_worker_args(
        "media-live", __doc__.split("\n")[0], "LiveSpec: a JSON file path", argv
    )
    if isinstance(args, int):
        return args
    try:
        spec = load_spec(args.spec)  # a file or inline JSON; the key maybe from the env
        ffmpeg = find_ffmpeg()
        reporter = LiveReporter(spec, os.environ.get("CALLBACK_SIGNING_SECRET"))
    except (OSError, ValueError, ValidationError, FfmpegNotFound) as exc:
        # pydantic errors may echo input values: show only the locations
        detail = (
            ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        log.error("cannot start: %s", detail)
        return 2
    worker = LiveWorker(spec, ffmpeg=ffmpeg, reporter=reporter)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    health = None
    try:
        health = HealthServer.from_env(worker)  # /healthz, /readyz for kubelet probes
        code = worker.run()
    except Exception as exc:
        log.exception("live worker failed")
        reporter.send("live.failed", reason="worker_failed", message=str(exc)[:2000])
        code = 1
    if health is not None:
        health.close()
    reporter.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
