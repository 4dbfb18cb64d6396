"""Encoding job schemas: a job as its history lists it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from api.encoding.models import EncodingJob
from podv5_contract.events import public_message


class RungOut(Schema):
    name: str
    height: int = Field(description="pixels (never upscaled)")
    video_kbps: int
    audio_kbps: int


class JobOut(Schema):
    """One encoding of a video: phase, times, failure reason, ladder and edit asked for."""

    id: UUID
    phase: str = Field(description="Pending, Running, Succeeded or Failed")
    progress: float = Field(description="percent, 0-100")
    reason: str | None = Field(description="stable code of a failure (e.g. ffmpeg_failed)")
    message: str | None = Field(description="what went wrong, for people")
    backend: str = Field(description="local or kubernetes")
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    ladder: list[RungOut] = Field(description="the renditions asked for")
    edit: dict | None = Field(description="cut and dressing applied (EncodingJob spec.edit)")

    @staticmethod
    def resolve_reason(obj: EncodingJob) -> str | None:
        return obj.reason or None

    @staticmethod
    def resolve_message(obj: EncodingJob) -> str | None:
        return public_message(obj.message) if obj.message else None

    @staticmethod
    def resolve_ladder(obj: EncodingJob) -> list[dict]:
        return [
            {
                "name": r.get("name"),
                "height": r.get("height"),
                "video_kbps": r.get("videoKbps"),
                "audio_kbps": r.get("audioKbps"),
            }
            for r in (obj.spec or {}).get("ladder", [])
        ]

    @staticmethod
    def resolve_edit(obj: EncodingJob) -> dict | None:
        """The edit without storage URIs (which name server paths): what was cut, and
        whether a watermark and credits were laid on."""
        edit = (obj.spec or {}).get("edit")
        if not edit:
            return None
        mark = edit.get("watermark")
        return {
            "trim": edit.get("trim"),
            "remove": edit.get("remove", []),
            "watermark": {k: v for k, v in mark.items() if k != "image"} if mark else None,
            "opening": bool(edit.get("opening")),
            "closing": bool(edit.get("closing")),
        }
