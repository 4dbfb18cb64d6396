"""Parsing of numbers that clients put in headers, paths and tokens.

``str.isdigit()`` accepts Unicode digits (``¹``, ``²``, Arabic-Indic digits) that ``int()``
then refuses or reads in a way no HTTP peer means, and ``int()`` on thousands of digits
costs time and ends in a ``ValueError`` past Python's 4,300-digit limit. HTTP (RFC 9110
§8.6 Content-Length, §14.1.1 ranges) and tus 1.0.0 (Upload-Offset, Upload-Length) define
these values as ``1*DIGIT``: ASCII ``0-9`` only. Everything here follows that grammar and
bounds the length before converting.
"""

from __future__ import annotations

import re

#: 1*DIGIT in ABNF: ASCII digits only (``re.ASCII`` keeps ``\\d`` from matching ``²``)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)

#: a 64-bit signed integer has at most 19 digits: more is never a size, offset or instant
MAX_DIGITS = 19


def parse_uint(text: str | None, *, max_value: int = 2**63 - 1) -> int | None:
    """``text`` as a non-negative integer (RFC 9110 ``1*DIGIT``), or None when it is not one:
    empty, signed, non-ASCII digits, longer than :data:`MAX_DIGITS` or above ``max_value``.
    Callers turn None into their own 4xx error."""
    if text is None or len(text) > MAX_DIGITS or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= max_value else None
