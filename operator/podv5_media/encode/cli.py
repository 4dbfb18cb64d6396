"""``media-encode --spec <path to a JSON file | inline JSON>``: run one encoding job.

The spec is an ``EncodingJobSpec`` in its wire (camelCase) form. Environment: see
``run.WorkerConfig.from_env``; ``CALLBACK_SIGNING_SECRET`` is required when the spec has a
``callbackUrl``. Logs go to stderr. Exit codes: see ``run.ExitCode`` (0 ok, 1 failed,
2 bad spec/usage, 3 callback refused/undelivered, 143 SIGTERM/SIGINT). 2 is returned here
for a bad spec, a missing secret or no ffmpeg; when the spec is invalid but still names a job, a
video and a callback URL, ``encoding.failed`` with reason ``invalid_spec`` is sent).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

from pydantic import ValidationError

from podv5_contract.callbacks import CallbackClient, CallbackError, RetryPolicy
from podv5_contract.events import EncodingEventData, webhook_id
from podv5_contract.spec import EncodingJobSpec
from podv5_media.ffmpeg import FfmpegNotFound, parse_worker_args

from .chunked import run_chunked
from .report import Reporter
from .run import Cancelled, ExitCode, WorkerConfig, run_job

log = logging.getLogger("podv5_media.encode")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_worker_args(
        "media-encode",
        __doc__.split("\n")[0],
        "EncodingJob spec: a JSON file path or inline JSON",
        argv,
    )
    if isinstance(args, int):
        return args
    try:
        raw = _load_spec(args.spec)
    except ValueError as exc:
        log.error("bad --spec: %s", exc)
        return ExitCode.USAGE
    try:
        spec = EncodingJobSpec.model_validate(raw)
    except ValidationError as exc:
        log.error("invalid spec: %s", exc)
        _report_invalid_spec(raw, str(exc))
        return ExitCode.USAGE
    try:
        config = WorkerConfig.from_env()
    except (FfmpegNotFound, ValueError) as exc:
        log.error("bad environment: %s", exc)
        return ExitCode.USAGE
    if spec.callback_url is not None and not config.callback_secret:
        log.error("the spec has a callbackUrl: CALLBACK_SIGNING_SECRET must be set")
        return ExitCode.USAGE
    try:
        reporter = Reporter(spec, config.callback_secret)
    except ValueError as exc:  # includes a secret that is not whsec_<base64>
        log.error("bad CALLBACK_SIGNING_SECRET: %s", exc)
        return ExitCode.USAGE

    previous = _install_signal_handlers()
    try:
        if spec.chunks:  # a long video in chunks: one step of it, or all (chunked.py)
            return int(run_chunked(spec, config, reporter))
        return int(run_job(spec, config, reporter))
    except Cancelled as exc:  # stopped outside the encode itself
        log.warning("interrupted by %s", exc)
        return ExitCode.INTERRUPTED
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _load_spec(value: str) -> dict:
    text = value.strip()
    if not text.startswith("{"):
        try:
            text = Path(value).read_text()
        except OSError as exc:
            raise ValueError(f"cannot read {value}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("the spec must be a JSON object")
    return data


def _report_invalid_spec(raw: dict, message: str) -> None:
    """Best effort: tell the API, if the spec names a job, a video and a callback URL."""
    import os

    secret = os.environ.get("CALLBACK_SIGNING_SECRET")
    url = raw.get("callbackUrl") or raw.get("callback_url")
    try:
        job_id = UUID(str(raw.get("jobId") or raw.get("job_id")))
        video_id = UUID(str(raw.get("videoId") or raw.get("video_id")))
    except ValueError:
        return
    if not (secret and isinstance(url, str) and url.startswith(("http://", "https://"))):
        return
    data = EncodingEventData(
        job_id=job_id, video_id=video_id, reason="invalid_spec", message=message[:2000]
    ).model_dump(mode="json", exclude_none=True)
    try:
        with CallbackClient(url, secret, policy=RetryPolicy(max_attempts=3)) as client:
            client.send("encoding.failed", data, webhook_id(job_id, "encoding.failed"))
    except (CallbackError, ValueError) as exc:
        log.error("could not report the invalid spec: %s", exc)


def _install_signal_handlers() -> dict:
    """SIGTERM/SIGINT raise ``Cancelled`` in the main thread (ffmpeg is then killed)."""

    def cancel(signum, _frame):
        raise Cancelled(signal.Signals(signum).name)

    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        # ValueError: not in the main thread (e.g. called from a test thread)
        with contextlib.suppress(ValueError):
            previous[signum] = signal.signal(signum, cancel)
    return previous


if __name__ == "__main__":
    sys.exit(main())
