"""Segments → a WebVTT file (W3C WebVTT; line lengths as the BBC and Netflix guidelines
advise: at most ``MAX_LINE`` characters a line, ``MAX_LINES`` lines a cue).

A segment whose text needs more lines is split into several cues, its time shared in
proportion to their characters. Cue times are clamped to ``[0, duration]``, never
overlap the previous cue, and are written to the millisecond; ``&``, ``<`` and ``>``
are escaped (so the text can hold no tag and no ``-->``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from podv5_media.transcribe.engines import Segment

MAX_LINE = 42
MAX_LINES = 2
#: a cue shorter than this is dropped (nothing readable), seconds
MIN_CUE = 0.05


def timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm``."""
    millis = round(max(seconds, 0.0) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cues(segment: Segment) -> list[tuple[float, float, list[str]]]:
    lines = textwrap.wrap(" ".join(segment.text.split()), MAX_LINE, break_long_words=True)
    groups = [lines[i : i + MAX_LINES] for i in range(0, len(lines), MAX_LINES)]
    total = sum(len(" ".join(g)) for g in groups) or 1
    cues, start = [], segment.start
    for group in groups:
        end = start + (segment.end - segment.start) * len(" ".join(group)) / total
        cues.append((start, end, group))
        start = end
    return cues


def build_webvtt(segments: Iterable[Segment], *, duration: float) -> tuple[str, int]:
    """The WebVTT text of ``segments`` and its number of cues (see the module doc)."""
    out, count, previous_end = ["WEBVTT", ""], 0, 0.0
    for segment in segments:
        for start, end, lines in _cues(segment):
            start = min(max(start, previous_end, 0.0), duration)
            end = min(end, duration)
            if end - start < MIN_CUE:
                continue
            count += 1
            out += [f"{timestamp(start)} --> {timestamp(end)}", *map(_escape, lines), ""]
            previous_end = end
    return "\n".join(out), count
