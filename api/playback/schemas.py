from ninja import Field, Schema


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
    """Everything a player needs. ``hls`` is null until the video is ready."""

    status: str
    duration: float | None = Field(description="seconds")
    hls: HlsOut | None
    mp4: list[Mp4Out]
    poster: str | None
    storyboard: StoryboardOut | None
    tracks: list[dict] = Field(description="captions/subtitles (WebVTT), later")
    chapters: list[dict] = Field(description="chapters, later")
