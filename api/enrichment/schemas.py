"""Contributor, document, link, note and resume schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from ninja import Field, Schema
from pydantic import AfterValidator

from api.core.fields import line, text
from api.enrichment.models import ContributorRole, DocumentKind
from podv5_contract.bounds import MAX_SECONDS

_HTTP_URL = URLValidator(schemes=["http", "https"])


def _http_url(value: str) -> str:
    if value:
        try:
            _HTTP_URL(value)
        except ValidationError:
            raise ValueError("an http:// or https:// URL") from None
    return value


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError("an e-mail address") from None
    return value


#: an absolute http(s) URL (Django's URLValidator: a host name or address, no spaces)
HttpUrl = Annotated[line(2000, min_length=1), AfterValidator(_http_url)]
#: the same, or "" (none)
OptionalHttpUrl = Annotated[line(500), AfterValidator(_http_url)]
Email = Annotated[line(254), AfterValidator(_email)]
Name = line(200, min_length=1)
Title = line(200, min_length=1)
NoteText = text(5000, min_length=1, strip=True)
#: seconds from the start of the video
Position = Annotated[
    float,
    Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False, description="seconds from the start"),
]


class ContributorIn(Schema):
    name: Name
    role: ContributorRole
    email: Email = Field("", description="shown with the video; empty: none")
    weblink: OptionalHttpUrl = Field("", description="an http(s) URL; empty: none")


class ContributorPatch(Schema):
    name: Name | None = None
    role: ContributorRole | None = None
    email: Email | None = None
    weblink: OptionalHttpUrl | None = None


class ContributorOut(Schema):
    id: int
    name: str
    role: ContributorRole
    email: str
    weblink: str


class VideoLinkIn(Schema):
    title: Title
    url: HttpUrl


class VideoLinkPatch(Schema):
    title: Title | None = None
    url: HttpUrl | None = None


class VideoLinkOut(Schema):
    id: int
    title: str
    url: str


class VideoDocumentPatch(Schema):
    title: Title


class VideoDocumentOut(Schema):
    id: UUID
    title: str
    kind: DocumentKind = Field(description="what the content was found to be")
    size: int = Field(description="bytes")
    url: str = Field(description="the file (tokened for a non-public video)")
    created_at: datetime


class EnrichmentOut(Schema):
    """Everything owners added to the video, in one answer."""

    contributors: list[ContributorOut]
    documents: list[VideoDocumentOut]
    links: list[VideoLinkOut]


class VideoNoteIn(Schema):
    position: Position
    text: NoteText


class VideoNotePatch(Schema):
    position: Position | None = None
    text: NoteText | None = None


class VideoNoteOut(Schema):
    id: int
    position: float = Field(description="seconds from the start of the video")
    text: str
    created_at: datetime
    updated_at: datetime


class ResumePositionIn(Schema):
    position: Position


class ResumePositionOut(Schema):
    position: float | None = Field(
        description="seconds to resume from; null: start from the beginning"
    )
    updated_at: datetime | None
