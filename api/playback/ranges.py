"""HTTP Range requests on media files (RFC 9110 §14), for the media view.

One range is served (206); anything else a client may send never fails the request:

- no ``Range``, another unit, several ranges, or text outside the grammar
  ``bytes=first-[last]`` / ``bytes=-suffix`` (Unicode digits such as ``¹``, signs, spaces
  inside): ignored, the whole file (200), as RFC 9110 §14.2 allows;
- ``last`` below ``first``, ``first`` at or past the end, a zero suffix: unsatisfiable
  (:class:`RangeNotSatisfiable`, the view answers 416 with ``Content-Range: bytes */size``).

Numbers are ASCII ``1*DIGIT`` read with :func:`api.core.parsing.parse_uint`: a number
longer than it accepts (a 4,400-digit ``first``, say) is larger than any file, so it is
read as "past the end", never given to ``int()``.
"""

from __future__ import annotations

import re

from api.core.parsing import parse_uint

_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.ASCII | re.IGNORECASE)

#: stands for a number too long to convert: larger than any file size
_HUGE = 2**63


class RangeNotSatisfiable(Exception):
    """The one byte range asked for lies outside the file (416)."""


def _number(digits: str) -> int:
    """ASCII digits (already matched) as an int; :data:`_HUGE` when too long to be a size."""
    value = parse_uint(digits.lstrip("0") or "0")
    return _HUGE if value is None else value


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The byte range ``header`` (a ``Range`` value) asks of a file of ``size`` bytes, as
    ``(first, last)`` offsets, both included; None to send the whole file (no header,
    unsupported or malformed syntax, several ranges, a suffix range on an empty file).
    Raises :class:`RangeNotSatisfiable`."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        first = _number(match[1])
        last = _number(match[2]) if match[2] else _HUGE
        if last < first or first >= size:
            raise RangeNotSatisfiable
        return first, min(last, size - 1)
    suffix = _number(match[2])  # the last ``suffix`` bytes
    if suffix == 0:
        raise RangeNotSatisfiable
    return (max(size - suffix, 0), size - 1) if size else None
