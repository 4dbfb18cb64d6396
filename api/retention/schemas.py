"""Retention schemas: a video's retention as its owners see it, and the extend body."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from ninja import Field, Schema

from api.retention.models import RetentionState, VideoRetention
from api.retention.policy import extend_max_date


class RetentionOut(Schema):
    video: UUID = Field(alias="video_id")
    deletion_date: date = Field(description="the day the video is archived (unpublished)")
    purge_date: date = Field(
        description="the day an archived video is deleted with its files "
        "(deletion_date + RETENTION_ARCHIVE_DAYS)"
    )
    state: RetentionState = Field(description="active, or archived (unpublished)")
    archived_at: datetime | None
    warning_days: list[int] = Field(
        description="warnings are e-mailed to the owners this many days before deletion_date"
    )
    warned_days: int | None = Field(
        description="the last warning sent for this date (days before), null: none yet"
    )
    extend_max_date: date | None = Field(
        description="the latest deletion_date you may set (null: any, for staff)"
    )

    @staticmethod
    def resolve_warning_days(obj: VideoRetention) -> list[int]:
        return list(settings.RETENTION_WARNING_DAYS)

    @staticmethod
    def resolve_extend_max_date(obj: VideoRetention, context) -> date | None:
        user = getattr(context["request"], "auth", None)
        if user is not None and user.is_staff:
            return None
        return extend_max_date(today=timezone.localdate())


class ExtendIn(Schema):
    deletion_date: date | None = Field(
        None,
        description="the new deletion date (owners: after today, at most extend_max_date); "
        "left out: the policy's retention years from today, within that bound",
    )
