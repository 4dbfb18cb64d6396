"""Heartbeat and analytics schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from api.analytics.services import MAX_RANGES
from podv5_contract.bounds import MAX_SECONDS

#: seconds from the start of the video
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]
#: a random id the player makes up for one playback (a UUID fits)
SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class PlaybackHeartbeatIn(Schema):
    session: SessionId = Field(
        description="an id the player makes up for this playback (8-64 of A-Z a-z 0-9 _ -), "
        "e.g. crypto.randomUUID(); a new one for each playback"
    )
    position: Seconds = Field(description="the playhead now, seconds")
    watched: list[tuple[Seconds, Seconds]] = Field(
        default_factory=list,
        max_length=MAX_RANGES,
        description="the ranges [start, end] (seconds) played since the previous heartbeat",
    )
    playing: bool = Field(
        False, description="whether the video is playing (paused players may keep beating)"
    )


class PlaybackHeartbeatOut(Schema):
    view: bool = Field(description="whether this session counts as a view")
    watch_time: float = Field(description="seconds this session played so far")


class ViewingCountsOut(Schema):
    views: int
    watch_time: float = Field(description="seconds played")
    sessions: int = Field(description="playback sessions started")


class ViewingDayOut(ViewingCountsOut):
    day: date


class ViewingTotalsOut(ViewingCountsOut):
    average_view_duration: float = Field(description="watch time ÷ sessions, seconds")


class RetentionCurveOut(Schema):
    duration: float = Field(description="the duration the curve is for, seconds")
    buckets: int
    bucket_seconds: float
    sessions: int = Field(description="sessions the curve counts")
    curve: list[float] = Field(
        description="the fraction (0-1) of the sessions that watched each bucket"
    )


class VideoCountsOut(ViewingCountsOut):
    id: UUID
    title: str


class AnalyticsOut(Schema):
    start: date = Field(description="first day of the period (inclusive)")
    end: date = Field(description="last day of the period (inclusive)")
    days: list[ViewingDayOut]
    totals: ViewingTotalsOut


class VideoAnalyticsOut(AnalyticsOut):
    retention: RetentionCurveOut | None = Field(description="null before any heartbeat")


class GroupAnalyticsOut(AnalyticsOut):
    videos: list[VideoCountsOut] = Field(description="the 50 most viewed videos of the period")
