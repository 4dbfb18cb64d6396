from datetime import datetime

from ninja import Field, Schema

from api.captions.schemas import ChapterOut, TrackOut


class HlsOut(Schema):
    url: str = Field(description="master playlist URL")


class DashOut(Schema):
    url: str = Field(description="DASH MPD URL (same CMAF segments as the HLS ladder)")


class AudioTrackOut(Schema):
    """An alternate audio rendition (in the HLS master and the MPD): a player's language
    menu."""

    name: str = Field(description="rendition name, e.g. audio-fr")
    language: str | None = Field(description="BCP 47 tag (en, fr), null if unknown")
    label: str
    default: bool
    descriptions: bool = Field(description="an audio description for the visually impaired")
    commentary: bool


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
    """Everything a player needs. ``hls`` (and ``dash``) are null until the video is
    ready. Media URLs of non-public videos carry a token (``/media/t/<token>/...``) until
    ``expires_at``; after it they answer 403 ``invalid_media_token``: fetch the player
    config again."""

    status: str
    duration: float | None = Field(description="seconds")
    expires_at: datetime | None = Field(description="when the media URLs stop working")
    hls: HlsOut | None
    dash: DashOut | None = Field(description="null until ready, and for audio-only media")
    audio: list[AudioTrackOut] = Field(description="alternate audio renditions, default first")
    hdr: str | None = Field(
        None,
        description="PQ or HLG when the HLS master and the MPD also offer an HDR rendition "
        "(10-bit HEVC; players that cannot show it keep to the SDR ones); null: SDR only",
    )
    mp4: list[Mp4Out]
    poster: str | None
    storyboard: StoryboardOut | None
    tracks: list[TrackOut] = Field(description="captions/subtitles (WebVTT), once ready")
    chapters: list[ChapterOut] = Field(description="chapters, in order of start")
