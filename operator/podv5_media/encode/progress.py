"""Parsing ffmpeg's ``-progress`` output into percentages.

ffmpeg writes blocks of ``key=value`` lines; each block ends with ``progress=continue``
or, for the last one, ``progress=end``. We use ``out_time_us`` (microseconds of output
written; ``N/A`` before the first packet) and the end marker.

``ProgressParser.feed(line)`` returns a ``ProgressUpdate`` when a block completes.
(Throttling, at most one callback a second and increasing, is the reporter's job:
``report.py``.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressUpdate:
    """``out_time``: seconds of output written (None if unknown yet); ``done``: last block."""

    out_time: float | None
    done: bool

    def percent(self, duration: float) -> float:
        """0-100, from ``out_time`` over the source ``duration`` (100 once done)."""
        if self.done:
            return 100.0
        if not self.out_time or duration <= 0:
            return 0.0
        return max(0.0, min(100.0, 100.0 * self.out_time / duration))


class ProgressParser:
    """Accumulates ``key=value`` lines; see the module docstring."""

    def __init__(self) -> None:
        self._block: dict[str, str] = {}

    def feed(self, line: str) -> ProgressUpdate | None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        self._block[key.strip()] = value.strip()
        if key.strip() != "progress":
            return None
        block, self._block = self._block, {}
        return ProgressUpdate(out_time=_out_time(block), done=value.strip() == "end")


def _out_time(block: dict[str, str]) -> float | None:
    for key, scale in (("out_time_us", 1e-6), ("out_time_ms", 1e-6)):
        # (out_time_ms is in microseconds too, a historical ffmpeg quirk)
        raw = block.get(key)
        if raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            return None
        return max(0.0, value * scale)
    return None
