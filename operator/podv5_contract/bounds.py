"""Bounded number types for everything a worker, the operator or an uploaded file's
header can put into the contract (manifest, events, specs, statuses).

A float from JSON may be ``1e300`` (or NaN/Infinity with lenient parsers); a header may
claim a 90,000 fps stream or a 10^12-pixel frame. The API stores these values and serves
them (``/player``, token lifetimes computed from the duration), so each is refused
outside a range a real media file can reach: a callback carrying one answers 422, and
the worker's probe clamps what it reads from a file before it reports it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

#: the longest media we accept: 100 days, in seconds
MAX_SECONDS = 100 * 24 * 3600.0
#: the largest byte size: 2**53 (exact in a JavaScript number; 9 PB)
MAX_BYTES = 2**53
#: the largest frame side, in pixels (above 16K)
MAX_PIXELS = 32768
#: the largest bit rate, in bit/s (10 Gbit/s)
MAX_BPS = 10**10
#: the largest frame rate, frames per second
MAX_FPS = 1000.0

#: a duration or an instant in the media, seconds, 0 to MAX_SECONDS
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]
#: a time offset that may be negative (a stream's start time), seconds
Offset = Annotated[float, Field(ge=-MAX_SECONDS, le=MAX_SECONDS, allow_inf_nan=False)]
#: a size in bytes
Bytes = Annotated[int, Field(ge=0, le=MAX_BYTES)]
#: a frame width or height in pixels
Pixels = Annotated[int, Field(ge=1, le=MAX_PIXELS)]
#: a bit rate in bit/s
Bps = Annotated[int, Field(ge=0, le=MAX_BPS)]
#: a bit rate in kbit/s
Kbps = Annotated[int, Field(ge=0, le=MAX_BPS // 1000)]
#: frames per second
Fps = Annotated[float, Field(ge=0, le=MAX_FPS, allow_inf_nan=False)]
#: a percentage, 0-100
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
#: a small count (audio channels, tiles, sessions...), 0 to 2**31 - 1
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
