"""Dublin Core schemas (``api.feeds.dublincore``)."""

from __future__ import annotations

from ninja import Field, Schema


class DublinCoreOut(Schema):
    """The DCMES elements of a video (repeatable ones as lists)."""

    title: str
    creator: list[str] = Field(description="the owner")
    subject: list[str] = Field(description="disciplines, then tags")
    description: str
    publisher: str = Field(description="DUBLIN_CORE_PUBLISHER")
    contributor: list[str] = Field(description="the additional owners")
    date: str = Field(description="creation day, ISO 8601")
    type: str = Field(description="MovingImage, or Sound (audio-only source)")
    format: str | None = Field(description="MIME type of the download, else of HLS")
    identifier: str = Field(description="the video's page (VIDEO_PAGE_URL) or API URL")
    language: str | None = Field(description="the default audio track's language")
    rights: str = Field(description="the licence's name and URL")
