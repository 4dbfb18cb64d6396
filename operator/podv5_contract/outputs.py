"""``manifest.json``: what one encoding produced. Written by ``media-encode`` next to its
outputs and sent with ``encoding.succeeded``; the API records it as the video's outputs.

All paths are relative to the job's output prefix. Sizes in bytes, durations in seconds
(float), bandwidths in bit/s (as in HLS ``BANDWIDTH``). Every number is bounded
(``podv5_contract.bounds``): a manifest with ``duration: 1e300`` is refused (the API
answers the ``encoding.succeeded`` callback 422).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from podv5_contract.bounds import Bps, Bytes, Fps, Kbps, Offset, Pixels, Seconds

MANIFEST_VERSION = 1

#: a path relative to the output prefix, a name, a codec string
Path = Annotated[str, Field(max_length=1024)]
Name = Annotated[str, Field(max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceChapter(_Model):
    """A chapter marked in the source file (MP4 ``chpl``/QuickTime chapters, Matroska
    chapters...), as the API imports it into the video's chapters."""

    title: Annotated[str, Field(max_length=1000)] = ""
    #: seconds from the start of the media, as the encoded outputs count them
    start: Offset
    #: seconds, when the container gives one
    end: Offset | None = None


class SourceInfo(_Model):
    """What the probe found in the source."""

    container: Name
    duration: Seconds
    start_time: Offset = 0.0
    size_bytes: Bytes
    video_codec: Name | None = None
    width: Pixels | None = None
    height: Pixels | None = None
    #: display rotation in degrees, clockwise (0, 90, 180, 270)
    rotation: Annotated[int, Field(ge=-360, le=360)] = 0
    pix_fmt: Name | None = None
    frame_rate: Fps | None = None
    audio_codec: Name | None = None
    audio_channels: Annotated[int, Field(ge=0, le=255)] | None = None
    audio_sample_rate: Annotated[int, Field(ge=0, le=10**6)] | None = None
    #: chapters embedded in the source, in order of start (empty when there are none)
    chapters: Annotated[list[SourceChapter], Field(max_length=1000)] = []


class RenditionOutput(_Model):
    """One HLS variant stream."""

    name: Name
    #: ``None`` for an audio-only rendition
    width: Pixels | None
    height: Pixels | None
    #: peak bit/s, as in the master playlist's BANDWIDTH
    bandwidth: Bps
    #: average bit/s, as in the master playlist's AVERAGE-BANDWIDTH (optional, added)
    average_bandwidth: Bps | None = None
    #: RFC 6381 codecs string, e.g. ``avc1.64001f,mp4a.40.2``
    codecs: Name
    video_kbps: Kbps | None
    audio_kbps: Kbps | None
    playlist: Path
    size_bytes: Bytes
    duration: Seconds
    #: HLS VIDEO-RANGE: ``SDR`` (the H.264 ladder; audio only too), or ``PQ``/``HLG``: the
    #: HDR rendition kept beside it (``spec.hdr.keep``: HEVC Main10, BT.2020)
    video_range: Literal["SDR", "PQ", "HLG"] = "SDR"


class AudioRenditionOutput(_Model):
    """One alternate audio rendition (HLS ``EXT-X-MEDIA TYPE=AUDIO``; a DASH audio
    adaptation set) of a video source, shared by every video rendition."""

    name: Name
    #: ISO 639 code from the source, ``None`` when it gave none
    language: Annotated[str, Field(max_length=16)] | None = None
    #: the NAME players list (the source track's title, else its language)
    label: Name
    default: bool = False
    #: an audio description for the visually impaired
    descriptions: bool = False
    commentary: bool = False
    bandwidth: Bps
    average_bandwidth: Bps | None = None
    codecs: Name
    audio_kbps: Kbps
    playlist: Path
    size_bytes: Bytes
    duration: Seconds


class HlsOutput(_Model):
    master: Path
    renditions: Annotated[list[RenditionOutput], Field(max_length=32)]
    segment_duration: Annotated[float, Field(gt=0, le=600, allow_inf_nan=False)]
    audio_only: bool = False
    #: alternate audio renditions (video sources with sound), the default first; empty
    #: when the audio is muxed into the variants (audio-only sources) or there is none
    audio: Annotated[list[AudioRenditionOutput], Field(max_length=16)] = []
    #: ``"pq"``/``"hlg"`` when an HDR source was tone-mapped to SDR BT.709
    tone_mapped_from: Annotated[str, Field(max_length=8)] | None = None


class DashOutput(_Model):
    """The DASH MPD over the HLS segments (ISO/IEC 23009-1, static)."""

    mpd: Path


class Mp4Output(_Model):
    name: Name
    path: Path
    width: Pixels | None
    height: Pixels | None
    size_bytes: Bytes


class StoryboardOutput(_Model):
    image: Path
    vtt: Path
    tile_width: Pixels
    tile_height: Pixels
    columns: Annotated[int, Field(ge=1, le=1000)]
    rows: Annotated[int, Field(ge=1, le=1000)]
    #: seconds between two thumbnails
    interval: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)]


class CaptionOutput(_Model):
    """A caption track made by transcription (``spec.transcribe``): a WebVTT file."""

    path: Path
    #: BCP 47 tag of the speech, as the spec asked
    language: Annotated[str, Field(max_length=35)]
    #: the engine that made it (``pocketsphinx``, ``whisper``)
    engine: Name
    #: cues in the file, and seconds of audio transcribed
    cues: Annotated[int, Field(ge=0, le=10**7)]
    audio_duration: Seconds
    size_bytes: Bytes


class Manifest(_Model):
    version: Annotated[int, Field(ge=1, le=1000)] = MANIFEST_VERSION
    job_id: Annotated[str, Field(max_length=64)]
    video_id: Annotated[str, Field(max_length=64)]
    duration: Seconds
    source: SourceInfo
    hls: HlsOutput
    dash: DashOutput | None = None
    mp4: Annotated[list[Mp4Output], Field(max_length=32)] = []
    poster: Path | None = None
    storyboard: StoryboardOutput | None = None
    #: caption tracks made by transcription (``spec.transcribe``)
    captions: Annotated[list[CaptionOutput], Field(max_length=8)] = []
    total_size_bytes: Bytes


class TranscriptionManifest(_Model):
    """``manifest.json`` of a transcription-only job (``spec.transcribe.only``): the
    captions made from the source, nothing else (no ladder)."""

    version: Annotated[int, Field(ge=1, le=1000)] = MANIFEST_VERSION
    job_id: Annotated[str, Field(max_length=64)]
    video_id: Annotated[str, Field(max_length=64)]
    duration: Seconds
    source: SourceInfo
    captions: Annotated[list[CaptionOutput], Field(min_length=1, max_length=8)]
    total_size_bytes: Bytes
