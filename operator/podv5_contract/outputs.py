"""``manifest.json``: what one encoding produced. Written by ``media-encode`` next to its
outputs and sent with ``encoding.succeeded``; the API records it as the video's outputs.

All paths are relative to the job's output prefix. Sizes in bytes, durations in seconds
(float), bandwidths in bit/s (as in HLS ``BANDWIDTH``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MANIFEST_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceChapter(_Model):
    """A chapter marked in the source file (MP4 ``chpl``/QuickTime chapters, Matroska
    chapters...), as the API imports it into the video's chapters."""

    title: str = ""
    #: seconds from the start of the media, as the encoded outputs count them
    start: float
    #: seconds, when the container gives one
    end: float | None = None


class SourceInfo(_Model):
    """What the probe found in the source."""

    container: str
    duration: float
    start_time: float = 0.0
    size_bytes: int
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    #: display rotation in degrees, clockwise (0, 90, 180, 270)
    rotation: int = 0
    pix_fmt: str | None = None
    frame_rate: float | None = None
    audio_codec: str | None = None
    audio_channels: int | None = None
    audio_sample_rate: int | None = None
    #: chapters embedded in the source, in order of start (empty when there are none)
    chapters: list[SourceChapter] = []


class RenditionOutput(_Model):
    """One HLS variant stream."""

    name: str
    #: ``None`` for an audio-only rendition
    width: int | None
    height: int | None
    #: peak bit/s, as in the master playlist's BANDWIDTH
    bandwidth: int
    #: average bit/s, as in the master playlist's AVERAGE-BANDWIDTH (optional, added)
    average_bandwidth: int | None = None
    #: RFC 6381 codecs string, e.g. ``avc1.64001f,mp4a.40.2``
    codecs: str
    video_kbps: int | None
    audio_kbps: int | None
    playlist: str
    size_bytes: int
    duration: float


class HlsOutput(_Model):
    master: str
    renditions: list[RenditionOutput]
    segment_duration: float
    audio_only: bool = False


class Mp4Output(_Model):
    name: str
    path: str
    width: int | None
    height: int | None
    size_bytes: int


class StoryboardOutput(_Model):
    image: str
    vtt: str
    tile_width: int
    tile_height: int
    columns: int
    rows: int
    #: seconds between two thumbnails
    interval: float


class Manifest(_Model):
    version: int = MANIFEST_VERSION
    job_id: str
    video_id: str
    duration: float
    source: SourceInfo
    hls: HlsOutput
    mp4: list[Mp4Output] = []
    poster: str | None = None
    storyboard: StoryboardOutput | None = None
    total_size_bytes: int
