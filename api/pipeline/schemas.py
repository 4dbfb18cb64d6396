"""Schemas of the pipeline's endpoints (transcriptions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from podv5_contract.transcribe import LANGUAGE_PATTERN, TranscribeEngine

Lang = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN, max_length=35)]


class TranscriptionIn(Schema):
    engine: TranscribeEngine | None = Field(
        None, description="pocketsphinx or whisper; default: TRANSCRIBE_ENGINE"
    )
    language: Lang | None = Field(
        None,
        description="BCP 47 tag of the speech (the track's lang); default: TRANSCRIBE_LANGUAGE",
    )


class TranscriptionOut(Schema):
    job_id: UUID
    phase: str = Field(description="Pending, Running, Succeeded or Failed")
    progress: float = Field(description="percent, 0-100")
    engine: str
    language: str
    only: bool = Field(description="a transcription alone (false: with the video's encode)")
    reason: str = Field(description="stable code of a failure, e.g. transcription_model_missing")
    message: str
    created_at: datetime
    completed_at: datetime | None
