"""Cut and dressing schemas. Times are seconds of the source (floats)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema

from api.core.fields import line
from api.editing.models import Dressing, WatermarkPosition
from podv5_contract.bounds import MAX_SECONDS
from podv5_contract.edit import MAX_REMOVED

Seconds = Annotated[
    float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False, description="seconds of the source")
]
Opacity = Annotated[float, Field(ge=0.05, le=1, allow_inf_nan=False, description="0.05-1")]
Width = Annotated[
    float,
    Field(ge=0.02, le=1, allow_inf_nan=False, description="fraction of the frame's width"),
]
Title = line(200, min_length=1)
#: the credits slots of a dressing
Slot = Literal["opening", "closing"]


class SpanIn(Schema):
    start: Seconds
    end: Seconds


class TrimIn(Schema):
    start: Seconds = 0.0
    end: Seconds | None = Field(None, description="seconds of the source; null: to the end")


class CutIn(Schema):
    """Keep ``trim`` (start to end) minus the ``remove`` segments (which must not
    overlap each other)."""

    trim: TrimIn | None = None
    remove: list[SpanIn] = Field([], max_length=MAX_REMOVED)


class SpanOut(Schema):
    start: float
    end: float


class TrimOut(Schema):
    start: float
    end: float | None


class CutOut(Schema):
    trim: TrimOut | None
    remove: list[SpanOut]
    source_duration: float | None = Field(description="seconds; null until first encoded")
    kept: list[SpanOut] = Field(description="the ranges of the source the cut keeps")
    duration: float | None = Field(description="seconds the cut keeps (no credits)")


class VideoDressingIn(Schema):
    dressing: UUID | None = Field(description="a dressing of yours; null: none")


class CreditsOut(Schema):
    video: UUID | None = Field(description="a video of the platform (its source is used)")
    uploaded: bool = Field(description="an uploaded file")


class DressingIn(Schema):
    title: Title
    watermark_position: WatermarkPosition = WatermarkPosition.TOP_RIGHT
    watermark_opacity: Opacity = 1.0
    watermark_width: Width = 0.15
    opening_video: UUID | None = None
    closing_video: UUID | None = None


class DressingPatch(Schema):
    title: Title | None = None
    watermark_position: WatermarkPosition | None = None
    watermark_opacity: Opacity | None = None
    watermark_width: Width | None = None
    opening_video: UUID | None = Field(None, description="null: no opening credits")
    closing_video: UUID | None = Field(None, description="null: no closing credits")


class DressingOut(Schema):
    id: UUID
    title: str
    owner: str = Field(description="username")
    has_watermark: bool = Field(description="a watermark image was uploaded")
    watermark_position: WatermarkPosition
    watermark_opacity: float
    watermark_width: float
    opening: CreditsOut | None
    closing: CreditsOut | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Dressing) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_has_watermark(obj: Dressing) -> bool:
        return bool(obj.watermark_name)

    @staticmethod
    def resolve_opening(obj: Dressing):
        return _credits(obj.opening_video_id, obj.opening_name)

    @staticmethod
    def resolve_closing(obj: Dressing):
        return _credits(obj.closing_video_id, obj.closing_name)


def _credits(video_id, name: str) -> dict | None:
    if video_id is None and not name:
        return None
    return {"video": video_id, "uploaded": bool(name)}


class VideoDressingOut(Schema):
    dressing: DressingOut | None
