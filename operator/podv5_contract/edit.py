"""Editing at encode time: the ``edit`` part of an EncodingJob spec (cut and dressing),
and the cut arithmetic the API and the worker share.

Follows Esup-Pod's cut (``USE_CUT``: a start and an end) and dressing apps (a
watermark in a corner with an opacity, opening and closing credits), and PeerTube's
studio (cut, intro, outro, watermark). The source is never modified: every encoding
starts again from it, and ``edit`` says what to do on the way:

1. **cut**: keep ``trim`` (``start``..``end`` seconds of the source; ``end`` omitted: to
   the end) minus every ``remove`` segment; times are in seconds of the source, cuts land
   on the frame grid of the output frame rate (frame-accurate, audio kept in sync);
2. **watermark**: an image (PNG with alpha) over the kept content, in a corner, at an
   ``opacity`` (0-1), ``width`` a fraction of the frame's width;
3. **credits**: ``opening`` before and ``closing`` after the content, each scaled and
   padded to the content's size, silent where a credits clip has no audio.

Errors of a cut against a source's duration (:func:`check_cut`) are :class:`EditError`
with a stable ``code``: ``cut_out_of_range``, ``cut_overlap``, ``cut_empty``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from podv5_contract.bounds import Seconds

#: the shortest result a cut may leave, in seconds
MIN_KEPT_SECONDS = 0.5
#: at most this many removed segments
MAX_REMOVED = 64
#: the corners a watermark may sit in
WatermarkPosition = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
POSITIONS: tuple[str, ...] = ("top-left", "top-right", "bottom-left", "bottom-right")
_URI_SCHEMES = ("file", "s3")


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def _check_uri(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in _URI_SCHEMES or not rest.strip("/"):
        raise ValueError("must be a file or s3 URI (scheme://...)")
    return value


Uri = Annotated[str, Field(max_length=2048)]


class Span(_Model):
    """A segment of the source, ``start`` to ``end`` seconds (``end`` after ``start``)."""

    start: Annotated[Seconds, Field(description="Start, seconds of the source.")]
    end: Annotated[Seconds, Field(description="End, seconds of the source (after start).")]

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Trim(_Model):
    """The part of the source to keep: ``start`` to ``end`` seconds (``end``: none, to
    the end of the source)."""

    start: Annotated[Seconds, Field(description="Start, seconds of the source.")] = 0.0
    end: Annotated[
        Seconds | None, Field(description="End, seconds of the source; none: to the end.")
    ] = None

    @model_validator(mode="after")
    def _ordered(self) -> Trim:
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Watermark(_Model):
    """An image laid over the content (not over the credits)."""

    image: Annotated[Uri, Field(description="Image URI (file:// or s3://), PNG with alpha.")]
    position: Annotated[
        WatermarkPosition,
        Field(description="Corner: top-left, top-right, bottom-left or bottom-right."),
    ] = "top-right"
    opacity: Annotated[
        float, Field(ge=0.05, le=1, allow_inf_nan=False, description="Opacity, 0.05-1.")
    ] = 1.0
    width: Annotated[
        float,
        Field(
            ge=0.02,
            le=1,
            allow_inf_nan=False,
            description="Width as a fraction of the frame's width (height keeps the aspect).",
        ),
    ] = 0.15

    @field_validator("image")
    @classmethod
    def _image_uri(cls, value: str) -> str:
        return _check_uri(value)


class EditSpec(_Model):
    """What to do to the source on the way to the ladder (see the module docstring)."""

    trim: Annotated[Trim | None, Field(description="The part of the source to keep.")] = None
    remove: Annotated[
        list[Span],
        Field(max_length=MAX_REMOVED, description="Segments cut out (must not overlap)."),
    ] = []
    watermark: Annotated[Watermark | None, Field(description="Watermark over the content.")] = None
    opening: Annotated[
        Uri | None, Field(description="Opening credits video URI (file:// or s3://).")
    ] = None
    closing: Annotated[
        Uri | None, Field(description="Closing credits video URI (file:// or s3://).")
    ] = None

    @field_validator("opening", "closing")
    @classmethod
    def _credits_uri(cls, value: str | None) -> str | None:
        return None if value is None else _check_uri(value)

    @model_validator(mode="after")
    def _no_overlap(self) -> EditSpec:
        if overlapping(self.remove) is not None:
            raise ValueError("removed segments must not overlap")
        return self

    @property
    def has_cut(self) -> bool:
        return self.trim is not None or bool(self.remove)

    @property
    def has_dressing(self) -> bool:
        return bool(self.watermark or self.opening or self.closing)


class EditError(ValueError):
    """A cut that does not fit its source. ``code``: ``cut_out_of_range``,
    ``cut_overlap`` or ``cut_empty``; ``field``: the input at fault (``trim.end``,
    ``remove.2.start``...)."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.field = code, field


def overlapping(spans: list[Span]) -> tuple[int, int] | None:
    """Indexes of two segments of ``spans`` that overlap (touching is fine), or None."""
    order = sorted(range(len(spans)), key=lambda i: spans[i].start)
    for a, b in zip(order, order[1:], strict=False):
        if spans[b].start < spans[a].end:
            return a, b
    return None


def kept_ranges(
    *, duration: float, trim: Trim | None = None, remove: list[Span] = ()
) -> list[tuple[float, float]]:
    """The ranges of the source (seconds, in order) a cut keeps: ``trim`` (clamped to
    ``duration``) minus the ``remove`` segments."""
    start = trim.start if trim is not None else 0.0
    end = min(trim.end if trim is not None and trim.end is not None else duration, duration)
    ranges: list[tuple[float, float]] = []
    cursor = start
    for span in sorted(remove, key=lambda s: s.start):
        if span.end <= cursor or span.start >= end:
            continue
        if span.start > cursor:
            ranges.append((cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < end:
        ranges.append((cursor, end))
    return ranges


def check_cut(
    *, duration: float, trim: Trim | None = None, remove: list[Span] = ()
) -> list[tuple[float, float]]:
    """The kept ranges (see :func:`kept_ranges`) of a cut that fits a source of
    ``duration`` seconds; raises :class:`EditError` for a bound past the end
    (``cut_out_of_range``), overlapping removed segments (``cut_overlap``) or a result
    shorter than ``MIN_KEPT_SECONDS`` (``cut_empty``)."""
    limit = duration + 1e-3  # a probe's duration is rounded to the millisecond
    if trim is not None:
        for name in ("start", "end"):
            value = getattr(trim, name)
            if value is not None and value > limit:
                raise EditError(
                    f"trim.{name} ({value:g} s) is past the end of the source ({duration:g} s).",
                    code="cut_out_of_range",
                    field=f"trim.{name}",
                )
    for i, span in enumerate(remove):
        if span.end > limit:
            raise EditError(
                f"remove[{i}].end ({span.end:g} s) is past the end of the source ({duration:g} s).",
                code="cut_out_of_range",
                field=f"remove.{i}.end",
            )
    pair = overlapping(list(remove))
    if pair is not None:
        a, b = sorted(pair)
        raise EditError(
            f"Removed segments {a} and {b} overlap.", code="cut_overlap", field=f"remove.{b}"
        )
    ranges = kept_ranges(duration=duration, trim=trim, remove=list(remove))
    kept = sum(end - start for start, end in ranges)
    if kept < MIN_KEPT_SECONDS:
        raise EditError(
            f"The cut keeps {kept:.3f} s: at least {MIN_KEPT_SECONDS:g} s must remain.",
            code="cut_empty",
        )
    return ranges
