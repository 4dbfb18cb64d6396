"""Track and chapter schemas."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from api.captions.models import TrackKind
from api.core.fields import line

#: a BCP 47 language tag such as ``fr`` or ``en-GB`` (letters, digits and hyphens)
Lang = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$", max_length=35)
]
Label = line(100)
ChapterTitle = line(250, min_length=1)
#: seconds from the start of the video
Start = Annotated[float, Field(ge=0, le=1e7, description="seconds from the start (float)")]


class TrackOut(Schema):
    id: UUID
    url: str = Field(description="the WebVTT file (tokened for a non-public video)")
    lang: str = Field(description="BCP 47 language tag")
    kind: TrackKind
    label: str
    source_format: str = Field(description="format uploaded: vtt, or srt (converted)")
    size: int = Field(description="bytes of the WebVTT file")
    generated: bool = Field(
        description="made by automatic transcription (an upload replaces it; a new "
        "transcription never replaces an uploaded track)"
    )
    generator: str = Field(description="the transcription engine of a generated track")


class TrackPatch(Schema):
    label: Label


class ChapterIn(Schema):
    title: ChapterTitle
    start: Start


class ChapterPatch(Schema):
    title: ChapterTitle | None = None
    start: Start | None = None


class ChapterOut(Schema):
    id: int
    title: str
    start: float = Field(description="seconds from the start of the video")
