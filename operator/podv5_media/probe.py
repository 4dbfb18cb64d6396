"""Probing a source with PyAV: what is in it, and can it be decoded at all.

``probe(path) -> MediaInfo`` opens the file, picks the first real video stream (cover
art, i.e. attached pictures, is ignored) and every audio stream (up to
``MAX_AUDIO_TRACKS``, with language, title and accessibility dispositions), decodes one
frame of each (which proves they decode and gives the display rotation of the video from
the display-matrix side data; an audio stream that cannot be decoded next to a good video
stream is ignored, with a warning), reads the video's colour properties (HDR: PQ or HLG
transfer, and the HDR10 static metadata of the first frame), rejects still images, and
checks that the container's index does not point past the end of the file (a truncated
upload).

Units: durations and times in seconds (float), frame rates as ``Fraction`` frames/s,
rotation in degrees clockwise (0, 90, 180, 270), sizes in bytes.

Errors: ``UnsupportedMedia`` (``reason`` is ``unsupported_media``, or ``truncated_media``
when the index points past the end of the file).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import langcodes

from podv5_contract.bounds import MAX_FPS, MAX_PIXELS, MAX_SECONDS
from podv5_contract.outputs import SourceChapter, SourceInfo

log = logging.getLogger(__name__)

#: how many packets to feed a decoder before giving up on getting a first frame
_MAX_PACKETS_FOR_FIRST_FRAME = 300
#: demuxers of still images (plus every ``*_pipe`` one: png_pipe, jpeg_pipe...)
_IMAGE_FORMATS = frozenset({"image2", "image2pipe", "apng", "webp"})
#: demuxers that turn any text into "video" (ffmpeg's tty renders .txt/.nfo/.asc... as ANSI
#: art): a document is not media
_TEXT_FORMATS = frozenset({"tty"})
#: audio streams kept (alternate audio renditions); more are ignored
MAX_AUDIO_TRACKS = 8
#: handler names muxers write by default: not a title
_DEFAULT_HANDLER_NAMES = frozenset({"SoundHandler", "Sound Media Handler", "Core Media Audio"})
# libavutil's AVColorTransferCharacteristic / AVColorPrimaries / AVColorSpace values
# (pixfmt.h) that matter here, by ffmpeg's names
_TRANSFERS = {1: "bt709", 6: "smpte170m", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12",
              16: "smpte2084", 18: "arib-std-b67"}  # fmt: skip
_PRIMARIES = {1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020", 12: "smpte432"}
_MATRICES = {1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020nc", 10: "bt2020c"}
_HDR_TRANSFERS = {"smpte2084": "pq", "arib-std-b67": "hlg"}
#: libavutil's AVMasteringDisplayMetadata: display_primaries[3][2] (R, G, B; x, y) and
#: white_point[2] as AVRational, min_luminance, max_luminance (AVRational), has_primaries,
#: has_luminance (int); AVContentLightMetadata: MaxCLL, MaxFALL (unsigned)
_MASTERING_DISPLAY = struct.Struct("<22i")
_CONTENT_LIGHT = struct.Struct("<2I")
#: SMPTE ST 2086 as the HEVC SEI (and x265's ``master-display``) codes it: chromaticities
#: in 0.00002 steps, luminances in 0.0001 cd/m² steps
_CHROMA_UNITS, _LUMA_UNITS = 50_000, 10_000


class UnsupportedMedia(Exception):
    """The file is not media we can encode. ``reason`` is a stable error code."""

    def __init__(self, message: str, *, reason: str = "unsupported_media"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class VideoStreamInfo:
    """The video stream to encode. ``width``/``height`` are the coded (stored) size."""

    index: int
    codec: str
    width: int
    height: int
    #: display rotation, degrees clockwise, one of 0, 90, 180, 270
    rotation: int = 0
    #: sample (pixel) aspect ratio; 1 when unknown
    sar: Fraction = Fraction(1)
    pix_fmt: str | None = None
    #: average frame rate, ``None`` if unknown
    frame_rate: Fraction | None = None
    #: colour properties as ffmpeg names them (``smpte2084``, ``arib-std-b67``, ``bt2020``,
    #: ``bt709``...), ``None`` when unspecified
    color_transfer: str | None = None
    color_primaries: str | None = None
    color_space: str | None = None
    #: HDR10 static metadata of the first frame, as HEVC's SEI codes it (``None`` when
    #: absent): the mastering display (SMPTE ST 2086) ``(Gx, Gy, Bx, By, Rx, Ry, WPx, WPy,
    #: Lmax, Lmin)``, chromaticities in 0.00002 units and luminances in 0.0001 cd/m²; the
    #: content light level ``(MaxCLL, MaxFALL)`` in cd/m² (CTA-861.3)
    mastering_display: tuple[int, ...] | None = None
    content_light: tuple[int, int] | None = None

    @property
    def hdr(self) -> str | None:
        """``"pq"`` (SMPTE ST 2084: HDR10, Dolby Vision profile 8.1), ``"hlg"`` (ARIB
        STD-B67) or ``None`` (SDR, or unspecified transfer)."""
        return _HDR_TRANSFERS.get(self.color_transfer or "")

    @property
    def rotated(self) -> bool:
        """True when the display is turned a quarter (width and height swap)."""
        return self.rotation in (90, 270)

    @property
    def display_height(self) -> int:
        """Pixel rows once rotated for display (what "no upscaling" compares with)."""
        return self.width if self.rotated else self.height

    @property
    def display_aspect(self) -> Fraction:
        """Display aspect ratio (width/height) with the SAR applied and rotation honoured."""
        aspect = Fraction(self.width) * self.sar / self.height
        return 1 / aspect if self.rotated else aspect


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream. ``language``: the container's language as a BCP 47 tag (``eng``
    -> ``en``; ``None`` when absent, ``und`` or invalid); ``title``: its name;
    ``default``: flagged default; ``descriptions``: an audio description for the visually
    impaired (disposition ``visual_impaired``); ``commentary``: a commentary track
    (disposition ``comment``)."""

    index: int
    codec: str
    channels: int
    sample_rate: int
    language: str | None = None
    title: str | None = None
    default: bool = False
    descriptions: bool = False
    commentary: bool = False


@dataclass(frozen=True)
class ChapterInfo:
    """A chapter of the source: ``start``/``end`` in seconds from the start of the
    media (the container's start time subtracted), ``title`` from its metadata."""

    title: str
    start: float
    end: float | None


@dataclass(frozen=True)
class MediaInfo:
    """What ``probe`` found."""

    container: str
    duration: float
    start_time: float
    size_bytes: int
    video: VideoStreamInfo | None
    #: the main audio stream (the first flagged default, else the first usable one)
    audio: AudioStreamInfo | None
    chapters: tuple[ChapterInfo, ...] = ()
    #: every usable audio stream in source order (``audio`` among them); empty without audio
    audio_tracks: tuple[AudioStreamInfo, ...] = ()

    def to_source_info(self) -> SourceInfo:
        """The ``source`` block of ``manifest.json``."""
        video, audio = self.video, self.audio
        return SourceInfo(
            container=self.container,
            duration=round(self.duration, 3),
            start_time=round(self.start_time, 3),
            size_bytes=self.size_bytes,
            video_codec=video.codec if video else None,
            width=video.width if video else None,
            height=video.height if video else None,
            rotation=video.rotation if video else 0,
            pix_fmt=video.pix_fmt if video else None,
            frame_rate=round(float(video.frame_rate), 3) if video and video.frame_rate else None,
            audio_codec=audio.codec if audio else None,
            audio_channels=audio.channels if audio else None,
            audio_sample_rate=audio.sample_rate if audio else None,
            chapters=[
                SourceChapter(
                    title=c.title,
                    start=round(c.start, 3),
                    end=round(c.end, 3) if c.end is not None else None,
                )
                for c in self.chapters
            ],
        )


def _why(exc: BaseException) -> str:
    """What went wrong, without the file name FFmpeg and the OS put in their errors (the
    message reaches the API, and clients, in ``encoding.failed``)."""
    return getattr(exc, "strerror", None) or type(exc).__name__


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Probe ``path`` (see the module docstring); raises ``UnsupportedMedia``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnsupportedMedia(f"cannot read the source: {_why(exc)}") from exc
    if size == 0:
        raise UnsupportedMedia("the source file is empty")
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise UnsupportedMedia(f"not a readable media file: {_why(exc)}") from exc
    with container:
        return _inspect(container, size)


def _inspect(container: av.container.InputContainer, size: int) -> MediaInfo:
    fmt = container.format.name
    if fmt in _TEXT_FORMATS:
        raise UnsupportedMedia(f"the source is a text document ({fmt}), not audio or video")
    if fmt in _IMAGE_FORMATS or fmt.endswith("_pipe"):
        raise UnsupportedMedia(f"the source is a still image ({fmt}), not audio or video")
    video_stream = next(
        (
            s
            for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic
        ),
        None,
    )
    audio_streams = list(container.streams.audio)[:MAX_AUDIO_TRACKS]
    if video_stream is None and not audio_streams:
        raise UnsupportedMedia("no audio or video stream in the source")
    _check_not_truncated(container, size)

    video = _video_info(container, video_stream) if video_stream is not None else None
    tracks: list[AudioStreamInfo] = []
    failure: UnsupportedMedia | None = None
    for stream in audio_streams:
        try:
            tracks.append(_audio_info(container, stream))
        except UnsupportedMedia as exc:
            # a picture without usable sound is still worth publishing
            log.warning("ignoring audio stream %d: %s", stream.index, exc)
            failure = failure or exc
    if video is None and not tracks and failure is not None:
        raise failure
    audio = next((t for t in tracks if t.default), tracks[0] if tracks else None)

    start = container.start_time / av.time_base if container.start_time is not None else 0.0
    duration = container.duration / av.time_base if container.duration else 0.0
    if duration <= 0:
        duration = _duration_from_packets(container)
    if not math.isfinite(duration) or duration <= 0:
        raise UnsupportedMedia("the source has no measurable duration")
    if duration > MAX_SECONDS:  # a header's claim no real file reaches
        raise UnsupportedMedia("the source's duration is out of range")
    start = start if math.isfinite(start) and abs(start) <= MAX_SECONDS else 0.0
    return MediaInfo(
        container=fmt,
        duration=duration,
        start_time=start,
        size_bytes=size,
        video=video,
        audio=audio,
        chapters=_chapters(container, start, duration),
        audio_tracks=tuple(tracks),
    )


def _video_info(container: av.container.InputContainer, stream: av.VideoStream) -> VideoStreamInfo:
    ctx = stream.codec_context
    frame = _first_frame(container, stream)
    width, height = ctx.width or frame.width, ctx.height or frame.height
    if not width or not height:
        raise UnsupportedMedia("the video stream has no dimensions")
    if width > MAX_PIXELS or height > MAX_PIXELS:
        raise UnsupportedMedia("the video stream's dimensions are out of range")
    sar = stream.sample_aspect_ratio or ctx.sample_aspect_ratio
    sar = Fraction(sar) if sar and sar > 0 else Fraction(1)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return VideoStreamInfo(
        index=stream.index,
        codec=ctx.name,
        width=width,
        height=height,
        rotation=_clockwise_quarter(frame.rotation),
        sar=sar,
        pix_fmt=ctx.pix_fmt or frame.format.name,
        # a header's absurd rate (90,000 fps) is no rate: unknown
        frame_rate=Fraction(rate) if rate and 0 < rate <= MAX_FPS else None,
        color_transfer=_color(_TRANSFERS, ctx.color_trc, frame.color_trc),
        color_primaries=_color(_PRIMARIES, ctx.color_primaries, frame.color_primaries),
        color_space=_color(_MATRICES, ctx.colorspace, frame.colorspace),
        **_hdr10_metadata(frame),
    )


def _hdr10_metadata(frame: av.VideoFrame) -> dict:
    """``mastering_display`` and ``content_light`` (see ``VideoStreamInfo``) from the
    frame's side data (HEVC SEI, or the container's ``mdcv``/``clli`` boxes and Matroska
    colour elements the decoder attaches); absent or malformed ones are left out."""
    found: dict = {}
    for side in frame.side_data:
        kind = str(side.type).rsplit(".", 1)[-1]
        try:
            raw = bytes(side)
        except (TypeError, ValueError):
            continue
        if kind == "MASTERING_DISPLAY_METADATA" and len(raw) >= _MASTERING_DISPLAY.size:
            v = _MASTERING_DISPLAY.unpack_from(raw)
            has_primaries, has_luminance = v[20], v[21]
            if not (has_primaries and has_luminance) or 0 in v[1:20:2]:
                continue
            chroma = [round(v[2 * k] * _CHROMA_UNITS / v[2 * k + 1]) for k in range(8)]
            (rx, ry, gx, gy, bx, by, wx, wy) = chroma
            lmin = round(v[16] * _LUMA_UNITS / v[17])
            lmax = round(v[18] * _LUMA_UNITS / v[19])
            values = (gx, gy, bx, by, rx, ry, wx, wy, lmax, lmin)
            if all(0 <= c <= _CHROMA_UNITS for c in values[:8]) and 0 <= lmin < lmax < 2**32:
                found["mastering_display"] = values
        elif kind == "CONTENT_LIGHT_LEVEL" and len(raw) >= _CONTENT_LIGHT.size:
            max_cll, max_fall = _CONTENT_LIGHT.unpack_from(raw)
            if 0 < max_cll < 65536 and 0 <= max_fall < 65536:
                found["content_light"] = (max_cll, max_fall)
    return found


def _language_tag(value: str) -> str | None:
    """The BCP 47 tag (RFC 5646: the shortest ISO 639 code, as HLS LANGUAGE and DASH
    ``lang`` want) of a container's language, e.g. ``eng``/``fre`` -> ``en``/``fr``;
    ``None`` for ``und``, empty or invalid values."""
    value = value.strip()[:35]
    if not value or value.lower() in ("und", "zxx", "mis", "mul"):
        return None
    try:
        tag = langcodes.standardize_tag(value)
    except (ValueError, LookupError):
        return None
    return tag if langcodes.tag_is_valid(tag) else None


def _color(names: dict[int, str], *values: int | None) -> str | None:
    """The first specified value's name (libavutil: 0 reserved, 2 unspecified)."""
    for value in values:
        if value not in (None, 0, 2):
            return names.get(value, f"unknown-{value}")
    return None


def _audio_info(container: av.container.InputContainer, stream: av.AudioStream) -> AudioStreamInfo:
    frame = _first_frame(container, stream)
    ctx = stream.codec_context
    channels = ctx.layout.nb_channels if ctx.layout else 0
    channels = channels or frame.layout.nb_channels
    sample_rate = ctx.sample_rate or frame.sample_rate
    if not channels or not sample_rate:
        raise UnsupportedMedia("the audio stream has no channels or no sample rate")
    if channels > 255 or sample_rate > 10**6:
        raise UnsupportedMedia("the audio stream's channels or sample rate are out of range")
    disposition = stream.disposition
    language = _language_tag(stream.metadata.get("language") or "")
    title = (stream.metadata.get("title") or stream.metadata.get("handler_name") or "").strip()
    return AudioStreamInfo(
        index=stream.index,
        codec=ctx.name,
        channels=channels,
        sample_rate=sample_rate,
        language=language,
        title=title[:200] if title and title not in _DEFAULT_HANDLER_NAMES else None,
        default=bool(disposition & av.stream.Disposition.default),
        descriptions=bool(disposition & av.stream.Disposition.visual_impaired),
        commentary=bool(disposition & av.stream.Disposition.comment),
    )


def _chapters(
    container: av.container.InputContainer, start: float, duration: float
) -> tuple[ChapterInfo, ...]:
    """The container's chapters (PyAV's ``InputContainer.chapters()``, libavformat's
    ``AVChapter``) in seconds from the start of the media, in order; chapters starting
    outside the media are dropped. Unreadable chapter data is not an error: no chapters.

    Chapter times are in the streams' timeline when the first one starts at or after the
    container's start time (ffmpeg's model: its start time is subtracted, as ffmpeg does
    when it copies chapters); muxers that offset the streams (``-output_ts_offset``)
    leave them relative to the start of the media, and then they are taken as they are.
    """
    try:
        raw = container.chapters()
    except (AttributeError, av.error.FFmpegError, ValueError) as exc:
        log.warning("cannot read the source's chapters: %s", exc)
        return ()
    spans = []
    for chapter in raw:
        time_base = chapter.get("time_base")
        if not time_base or chapter.get("start") is None:
            continue
        end = chapter.get("end")
        title = str((chapter.get("metadata") or {}).get("title", "")).strip()[:250]
        spans.append(
            (title, float(chapter["start"] * time_base), float(end * time_base) if end else None)
        )
    if not spans:
        return ()
    offset = start if min(s[1] for s in spans) >= start - 0.001 else 0.0
    chapters = [
        ChapterInfo(
            title=title,
            start=max(begin - offset, 0.0),
            end=end - offset if end is not None else None,
        )
        for title, begin, end in spans
        if math.isfinite(begin) and -0.001 <= begin - offset < duration
    ]
    return tuple(sorted(chapters, key=lambda c: c.start))


def _first_frame(
    container: av.container.InputContainer, stream: av.stream.Stream
) -> av.frame.Frame:
    """Decode the first frame of ``stream`` (then rewind), or raise ``UnsupportedMedia``."""
    kind = stream.type
    try:
        for n, packet in enumerate(container.demux(stream)):
            if n >= _MAX_PACKETS_FOR_FIRST_FRAME:
                break
            for frame in packet.decode():
                return frame
        else:
            for frame in stream.codec_context.decode(None):  # drain at end of file
                return frame
    except av.error.FFmpegError as exc:
        raise UnsupportedMedia(f"the {kind} stream cannot be decoded: {_why(exc)}") from exc
    finally:
        with contextlib.suppress(av.error.FFmpegError):
            container.seek(0)
    raise UnsupportedMedia(f"no decodable {kind} frame in the source")


def _check_not_truncated(container: av.container.InputContainer, size: int) -> None:
    """``truncated_media`` if a sample of the container's index lies past the end of file."""
    end = 0
    for stream in container.streams:
        for entry in stream.index_entries:
            end = max(end, entry.pos + max(entry.size, 0))
    if end > size:
        raise UnsupportedMedia(
            f"the source is truncated: its index needs {end} bytes, the file has {size}",
            reason="truncated_media",
        )


def _duration_from_packets(container: av.container.InputContainer) -> float:
    end = 0.0
    for packet in container.demux():
        if packet.pts is None or packet.time_base is None:
            continue
        end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    start = container.start_time / av.time_base if container.start_time else 0.0
    return end - start


def _clockwise_quarter(counter_clockwise: float | int | None) -> int:
    """PyAV gives the display rotation counter-clockwise in [-180, 180]; snap to 90°."""
    if not counter_clockwise:
        return 0
    return int(round(-float(counter_clockwise) / 90.0)) * 90 % 360
