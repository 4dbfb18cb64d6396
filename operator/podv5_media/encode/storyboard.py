"""Storyboard: a sprite of small thumbnails and the WebVTT that maps times to tiles.

The sprite is made by the encode's ffmpeg process (``select`` one frame every
``interval`` seconds, ``scale``, ``tile``); this module plans its geometry and writes the
WebVTT. Each cue covers ``[i * interval, min((i + 1) * interval, duration))`` and points
at tile ``i`` with a media fragment: ``sprite.jpg#xywh=<x>,<y>,<w>,<h>`` (pixels), tiles
filling the sprite row by row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

#: candidate intervals between thumbnails, seconds; the smallest giving at most
#: ``max_thumbnails`` is used
NICE_INTERVALS = (1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600)
DEFAULT_TILE_WIDTH = 160
DEFAULT_MAX_THUMBNAILS = 100
MAX_COLUMNS = 10


@dataclass(frozen=True)
class StoryboardPlan:
    """Sprite geometry. Sizes in pixels, ``interval`` in seconds."""

    interval: float
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int

    @property
    def width(self) -> int:
        return self.columns * self.tile_width

    @property
    def height(self) -> int:
        return self.rows * self.tile_height

    def tile_origin(self, i: int) -> tuple[int, int]:
        """Top-left corner of tile ``i`` (0-based) in the sprite."""
        return (i % self.columns) * self.tile_width, (i // self.columns) * self.tile_height


def plan_storyboard(
    duration: float,
    aspect: Fraction | float,
    frame_rate: Fraction | float,
    *,
    tile_width: int = DEFAULT_TILE_WIDTH,
    max_thumbnails: int = DEFAULT_MAX_THUMBNAILS,
) -> StoryboardPlan:
    """Plan the sprite of a video of ``duration`` s at a constant ``frame_rate``.

    ``aspect``: display width/height. The thumbnail count is the number of frames that
    the selection ``t >= i * interval`` will pick from frames at ``k / frame_rate``
    within ``duration``, so the VTT matches the sprite.
    """
    if duration <= 0 or aspect <= 0 or frame_rate <= 0:
        raise ValueError("duration, aspect and frame_rate must be positive")
    interval: float = next(
        (n for n in NICE_INTERVALS if math.ceil(duration / n) <= max_thumbnails),
        math.ceil(duration / max_thumbnails),
    )
    last_frame_time = max(0.0, duration - 1 / float(frame_rate))
    count = max(1, math.floor(last_frame_time / interval + 1e-6) + 1)
    columns = min(MAX_COLUMNS, count)
    rows = math.ceil(count / columns)
    tile_width = _even(tile_width)
    tile_height = max(2, _even(tile_width / float(aspect)))
    return StoryboardPlan(
        interval=float(interval),
        count=count,
        columns=columns,
        rows=rows,
        tile_width=tile_width,
        tile_height=tile_height,
    )


def build_vtt(plan: StoryboardPlan, image: str, duration: float) -> str:
    """The WebVTT text; ``image`` is the sprite's URI relative to the VTT file."""
    lines = ["WEBVTT", ""]
    for i in range(plan.count):
        start = i * plan.interval
        end = duration if i == plan.count - 1 else min((i + 1) * plan.interval, duration)
        if end <= start:
            end = start + plan.interval
        x, y = plan.tile_origin(i)
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{image}#xywh={x},{y},{plan.tile_width},{plan.tile_height}",
            "",
        ]
    return "\n".join(lines)


def _timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm``."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))
