from datetime import datetime

from ninja import Field, Schema

from api.captions.schemas import ChapterOut, TrackOut


class HlsOut(Schema):
    url: str = Field(description="master playlist URL")


class Mp4Out(Schema):
    url: str
    name: str
    width: int | None
    height: int | None
    size: int = Field(description="bytes")


class StoryboardOut(Schema):
    vtt: str = Field(description="WebVTT whose cues point into the sprite (#xywh=)")
    image: str


class PlayerOut(Schema):
    """Everything a player needs. ``hls`` is null until the video is ready. Media URLs
    of non-public videos carry a token (``/media/t/<token>/...``) until ``expires_at``;
    after it they answer 403 ``invalid_media_token``: fetch the player config again."""

    status: str
    duration: float | None = Field(description="seconds")
    expires_at: datetime | None = Field(description="when the media URLs stop working")
    hls: HlsOut | None
    mp4: list[Mp4Out]
    poster: str | None
    storyboard: StoryboardOut | None
    tracks: list[TrackOut] = Field(description="captions/subtitles (WebVTT), once ready")
    chapters: list[ChapterOut] = Field(description="chapters, in order of start")
