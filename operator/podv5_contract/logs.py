"""Log records that carry a request id, as text or JSON, shared by the API and the workers.

The request id ties together the log lines of one user action across processes: the API
takes it from the ``X-Request-ID`` header (or makes one), puts it in the EncodingJob's
``spec.requestId``; the operator passes it to the worker pod as ``POD_REQUEST_ID`` (the
local backend does the same for its subprocess), and the worker's log lines carry it.

- :data:`REQUEST_ID` is the context variable holding the current id (None: none);
- :class:`RequestIdFilter` adds ``record.request_id`` to every record (``-`` when none);
- :func:`make_formatter` returns the text or JSON formatter chosen by ``LOG_FORMAT``
  (``text``, the default, or ``json``: one JSON object a line, python-json-logger, fields
  ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``request_id`` and any
  ``extra``);
- :func:`configure_worker_logging` sets up a worker process's logging on stderr.

This module imports neither Django nor kopf.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from contextvars import ContextVar

from podv5_contract.spec import REQUEST_ID_MAX_LENGTH, REQUEST_ID_PATTERN

#: environment variable carrying the request id into worker processes and pods
REQUEST_ID_ENV = "POD_REQUEST_ID"
#: the request id of the work being done in this context (None: none)
REQUEST_ID: ContextVar[str | None] = ContextVar("pod_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
#: the record attributes the JSON formatter emits after ``time`` (renamed: levelname →
#: level, name → logger)
JSON_FIELDS = ("levelname", "name", "message", "request_id")
JSON_RENAMES = {"levelname": "level", "name": "logger"}
LOG_FORMATS = ("text", "json")

_VALID = re.compile(REQUEST_ID_PATTERN)


def valid_request_id(value: str | None) -> str | None:
    """``value`` if it is an acceptable request id (1-128 characters of
    ``[A-Za-z0-9._:@+=/-]``), else None."""
    if value and len(value) <= REQUEST_ID_MAX_LENGTH and _VALID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    """A fresh request id: 32 lowercase hex digits (a random UUID)."""
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id``: the context's id, else ``default`` (a worker's id, for
    its threads, which do not inherit the context), else ``-``. Never drops a record."""

    def __init__(self, name: str = "", default: str | None = None) -> None:
        super().__init__(name)
        self.default = default

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get() or self.default or "-"
        return True


def log_format(value: str | None = None) -> str:
    """The log format: ``value``, else ``$LOG_FORMAT``, else ``text``. Raises ValueError
    for anything but ``text`` or ``json``."""
    chosen = (value if value is not None else os.environ.get("LOG_FORMAT", "")) or "text"
    chosen = chosen.strip().lower()
    if chosen not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be 'text' or 'json', got {chosen!r}")
    return chosen


def make_formatter(fmt: str | None = None) -> logging.Formatter:
    """The formatter for ``fmt`` (see :func:`log_format`); both show the request id."""
    if log_format(fmt) == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            " ".join(f"%({field})s" for field in JSON_FIELDS),
            rename_fields=JSON_RENAMES,
            timestamp="time",  # ISO 8601 in UTC, whatever the process's time zone
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_worker_logging(*, verbose: bool = False, stream=None) -> str | None:
    """A worker's logging: one stderr handler on the root logger with the request id of
    ``$POD_REQUEST_ID`` (when valid) on every record, text or JSON per ``$LOG_FORMAT``
    (an unknown format falls back to text, with a warning). Returns the request id."""
    request_id = valid_request_id(os.environ.get(REQUEST_ID_ENV))
    if request_id:
        REQUEST_ID.set(request_id)
    try:
        formatter = make_formatter()
        problem = None
    except ValueError as exc:
        formatter, problem = make_formatter("text"), str(exc)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter(default=request_id))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    if problem:
        logging.getLogger(__name__).warning("%s; logging as text", problem)
    return request_id
