"""Planning: from the probe and the spec to exactly what to produce. Pure functions.

Rules for video (heights/widths in pixels, bitrates in kbit/s):

- never upscale: rungs taller than the source's display height (rotation honoured) go;
- a source between two rungs gets one extra rung at its own height, with the bitrate of
  the next taller rung scaled by the pixel ratio, unless a kept rung is already within
  ``NEAR_SOURCE`` (10 %) of the source height (a 736-px source keeps 720p only);
- a source smaller than every rung gets one rung at its own height (same scaling from the
  smallest rung);
- widths follow the display aspect ratio (SAR applied, rotation honoured; outputs have
  square pixels) and every dimension is even (a 641x479 source gives 640x478);
- the frame rate becomes constant (VFR sources included): the source's average rate,
  snapped to a standard rate when within 2 %, else rounded, halved while above 60.

Audio-only sources give one audio rendition (``audio``, the best audio bitrate of the
ladder, its first audio stream); video-only sources give renditions without audio.

Audio of a video source is demuxed: each source audio stream becomes ONE alternate audio
rendition (HLS ``EXT-X-MEDIA TYPE=AUDIO``, RFC 8216 §4.3.4.1; a DASH audio adaptation set),
encoded once at the ladder's best audio bitrate and shared by every video rendition, with
its language, name, default flag and accessibility characteristics (audio description:
``public.accessibility.describes-video``, Apple's HLS authoring spec; commentary is named
so and never the default).

HDR sources (PQ or HLG transfer) are tone-mapped to SDR BT.709 (``EncodePlan.tone_map``).
With ``spec.hdr.keep`` an HDR source also gets ONE HDR rendition (``plan_hdr_rendition``):
10-bit HEVC at the top SDR rendition's size, named ``<top>-pq`` / ``<top>-hlg``, at the top
rung's rate (``HDR_RATE_FACTOR``), its ``video_range`` ``PQ`` or ``HLG`` (HLS VIDEO-RANGE),
placed after the SDR renditions; the MP4 fallback, poster and storyboard stay SDR. An
edit with dressing (watermark, credits: SDR pictures) keeps no HDR rendition; a cut does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from podv5_contract.spec import EncodingJobSpec, RateControl, Rendition
from podv5_media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo

from .storyboard import StoryboardPlan, plan_storyboard

NEAR_SOURCE = 1.10
MIN_VIDEO_KBPS = 100
MAX_FRAME_RATE = 60
DEFAULT_FRAME_RATE = Fraction(25)
STANDARD_FRAME_RATES = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)
#: a poster is taken at a third of the duration, or on the first frame below this (s)
SHORT_CLIP = 2.0
#: the MP4 fallback is made from the tallest rung at most this tall (else the smallest)
MP4_MAX_HEIGHT = 720
AUDIO_ONLY_NAME = "audio"
#: the HDR rendition's video rate, as a share of the top SDR rung's (HEVC's efficiency
#: over H.264 about pays for 10 bits and PQ/HLG's wider signal; not benchmarked)
HDR_RATE_FACTOR = 1.0
#: HLS VIDEO-RANGE (RFC 8216bis §4.4.6.2) of the source's HDR transfer
VIDEO_RANGES = {"pq": "PQ", "hlg": "HLG"}
#: the HLS GROUP-ID of the alternate audio renditions
AUDIO_GROUP = "audio"
DESCRIBES_VIDEO = "public.accessibility.describes-video"


@dataclass(frozen=True)
class PlannedRendition:
    """One HLS variant to make; ``width``/``height``/``video_kbps`` are None for audio only,
    ``audio_kbps`` is None without audio; ``crf``: the rung's x264 CRF when the spec gives
    one (``CappedCRF`` rate control; else ``rate_control.default_crf``), or the per-title
    probe's choice (``PerTitle``, ``per_title.py``; tenths); ``video_range``:
    HLS VIDEO-RANGE, ``SDR`` (H.264 8-bit) or ``PQ``/``HLG`` (the HDR rendition: HEVC
    Main10, BT.2020)."""

    name: str
    width: int | None
    height: int | None
    video_kbps: int | None
    audio_kbps: int | None
    crf: float | None = None
    video_range: str = "SDR"

    @property
    def hdr(self) -> bool:
        return self.video_range != "SDR"


@dataclass(frozen=True)
class PlannedAudio:
    """One alternate audio rendition of a video source: source stream ``stream``, AAC at
    ``kbps`` kbit/s. ``language``: ISO 639 code or None; ``label``: the NAME players list;
    ``characteristics``: HLS CHARACTERISTICS (UTIs), empty for a main track."""

    name: str
    stream: int
    kbps: int
    language: str | None
    label: str
    default: bool
    characteristics: tuple[str, ...] = ()
    commentary: bool = False


@dataclass(frozen=True)
class PosterPlan:
    time: float
    width: int
    height: int


@dataclass(frozen=True)
class EncodePlan:
    """Everything the ffmpeg command needs. Renditions: the SDR ones tallest first, then
    the HDR one (``spec.hdr.keep`` and an HDR source)."""

    renditions: tuple[PlannedRendition, ...]
    #: absolute stream indexes in the source (``None``: no such stream)
    video_stream: int | None
    audio_stream: int | None
    #: constant output frame rate (``None`` for audio only)
    frame_rate: Fraction | None
    duration: float
    segment_duration: float
    poster: PosterPlan | None = None
    storyboard: StoryboardPlan | None = None
    #: name of the rendition remuxed into the MP4 fallback
    mp4_rendition: str | None = None
    #: alternate audio renditions of a video source (demuxed), default first
    audio: tuple[PlannedAudio, ...] = ()
    #: ``"pq"``/``"hlg"``: the HDR source is tone-mapped to SDR BT.709
    tone_map: str | None = None
    #: how the video rates are chosen (``EncodingJobSpec.rate_control``, see rate_control.py)
    rate_control: RateControl = "Fixed"
    #: the source's HDR10 static metadata, carried into the HDR rendition (see
    #: ``probe.VideoStreamInfo``: mastering display, content light level)
    mastering_display: tuple[int, ...] | None = None
    content_light: tuple[int, int] | None = None

    @property
    def hdr_renditions(self) -> tuple[PlannedRendition, ...]:
        return tuple(r for r in self.renditions if r.hdr)

    @property
    def sdr_renditions(self) -> tuple[PlannedRendition, ...]:
        return tuple(r for r in self.renditions if not r.hdr)

    @property
    def has_video(self) -> bool:
        return self.video_stream is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_stream is not None

    @property
    def muxed_audio(self) -> bool:
        """Audio inside the variants (audio-only sources), not alternate renditions."""
        return self.has_audio and not self.audio

    @property
    def audio_only(self) -> bool:
        return not self.has_video

    def rendition(self, name: str) -> PlannedRendition:
        return next(r for r in self.renditions if r.name == name)


def plan_encoding(info: MediaInfo, spec: EncodingJobSpec) -> EncodePlan:
    """The full plan for ``info`` (probed source) and ``spec``."""
    extras = spec.extras
    audio = info.audio
    if info.video is None:
        best_audio = max(r.audio_kbps for r in spec.ladder)
        rendition = PlannedRendition(AUDIO_ONLY_NAME, None, None, None, best_audio)
        return EncodePlan(
            renditions=(rendition,),
            video_stream=None,
            audio_stream=audio.index if audio else None,
            frame_rate=None,
            duration=info.duration,
            segment_duration=spec.segment_duration,
            mp4_rendition=AUDIO_ONLY_NAME if extras.mp4 else None,
        )
    video = info.video
    renditions = plan_video_ladder(spec.ladder, video, with_audio=False)
    best_audio = max(r.audio_kbps for r in spec.ladder)
    tracks = (info.audio_tracks or (audio,)) if audio else ()
    audio_renditions = plan_audio_renditions(tracks, best_audio)
    rate = output_frame_rate(video.frame_rate)
    top = renditions[0]
    poster = None
    if extras.poster:
        when = 0.0 if info.duration < SHORT_CLIP else round(info.duration / 3, 3)
        poster = PosterPlan(time=when, width=top.width, height=top.height)
    storyboard = None
    if extras.storyboard:
        storyboard = plan_storyboard(info.duration, video.display_aspect, rate)
    mp4 = pick_mp4_rendition(renditions) if extras.mp4 else None
    dressed = spec.edit is not None and spec.edit.has_dressing
    if spec.hdr is not None and spec.hdr.keep and video.hdr and not dressed:
        renditions += (plan_hdr_rendition(renditions, video.hdr),)
    return EncodePlan(
        renditions=renditions,
        video_stream=video.index,
        audio_stream=audio.index if audio else None,
        frame_rate=rate,
        duration=info.duration,
        segment_duration=spec.segment_duration,
        poster=poster,
        storyboard=storyboard,
        mp4_rendition=mp4,
        audio=audio_renditions,
        tone_map=video.hdr,
        rate_control=spec.rate_control,
        mastering_display=video.mastering_display,
        content_light=video.content_light,
    )


def plan_hdr_rendition(sdr: Sequence[PlannedRendition], transfer: str) -> PlannedRendition:
    """The HDR rendition beside the SDR renditions ``sdr`` (tallest first) of a source
    with the HDR ``transfer`` (``"pq"``/``"hlg"``): the top one's size, CRF and
    ``HDR_RATE_FACTOR`` times its rate, no muxed audio, named ``<top>-<transfer>``
    (made unique)."""
    top = sdr[0]
    names = {r.name for r in sdr}
    name, k = f"{top.name}-{transfer}", 2
    while name in names:
        name, k = f"{top.name}-{transfer}{k}", k + 1
    return PlannedRendition(
        name=name,
        width=top.width,
        height=top.height,
        video_kbps=max(MIN_VIDEO_KBPS, round((top.video_kbps or 0) * HDR_RATE_FACTOR)),
        audio_kbps=None,
        crf=top.crf,
        video_range=VIDEO_RANGES[transfer],
    )


def plan_audio_renditions(tracks: Sequence[AudioStreamInfo], kbps: int) -> tuple[PlannedAudio, ...]:
    """One alternate audio rendition per source audio stream, the default first: the first
    stream flagged default that is neither an audio description nor a commentary, else the
    first main stream, else the first. Names are ``audio-<language>`` (``audio-<n>`` without
    a language), made unique; labels are the stream's title, else the language code."""
    if not tracks:
        return ()
    main = [t for t in tracks if not t.descriptions and not t.commentary] or list(tracks)
    default = next((t for t in main if t.default), main[0])
    ordered = [default, *(t for t in tracks if t is not default)]
    planned: list[PlannedAudio] = []
    used: set[str] = set()
    for n, track in enumerate(ordered, start=1):
        base = f"audio-{track.language}" if track.language else f"audio-{n}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        label = track.title or (track.language or f"Audio {n}")
        if track.descriptions and not track.title:
            label = f"{label} (audio description)"
        elif track.commentary and not track.title:
            label = f"{label} (commentary)"
        planned.append(
            PlannedAudio(
                name=name,
                stream=track.index,
                kbps=kbps,
                language=track.language,
                label=label,
                default=track is default,
                characteristics=(DESCRIBES_VIDEO,) if track.descriptions else (),
                commentary=track.commentary,
            )
        )
    return tuple(planned)


def plan_video_ladder(
    ladder: Sequence[Rendition], video: VideoStreamInfo, *, with_audio: bool = True
) -> tuple[PlannedRendition, ...]:
    """The video renditions for ``video`` (see the module docstring), tallest first."""
    source_height = video.display_height
    aspect = video.display_aspect
    rungs = sorted(ladder, key=lambda r: r.height, reverse=True)
    kept = [r for r in rungs if r.height <= source_height]
    taller = [r for r in rungs if r.height > source_height]
    planned: list[PlannedRendition] = []

    if taller and (not kept or source_height > kept[0].height * NEAR_SOURCE):
        reference = taller[-1]  # the next rung above the source
        height = _even_down(source_height)
        ratio = (height / reference.height) ** 2
        names = {r.name for r in rungs}
        name = f"{height}p" if f"{height}p" not in names else f"{height}p-src"
        planned.append(
            _rendition(
                name,
                height,
                aspect,
                max(MIN_VIDEO_KBPS, round(reference.video_kbps * ratio)),
                reference.audio_kbps,
                with_audio,
                reference.crf,
            )
        )
    for rung in kept:
        planned.append(
            _rendition(
                rung.name,
                _even_down(rung.height),
                aspect,
                rung.video_kbps,
                rung.audio_kbps,
                with_audio,
                rung.crf,
            )
        )
    return tuple(planned)


def output_frame_rate(rate: Fraction | float | None) -> Fraction:
    """Constant output frame rate for a source averaging ``rate`` frames/s."""
    if not rate or rate <= 0:
        return DEFAULT_FRAME_RATE
    rate = Fraction(rate)
    while rate > MAX_FRAME_RATE:
        rate /= 2
    nearest = min(STANDARD_FRAME_RATES, key=lambda standard: abs(rate - standard))
    if abs(rate - nearest) <= nearest * Fraction(2, 100):
        return nearest
    return Fraction(max(1, round(rate)))


def pick_mp4_rendition(renditions: Sequence[PlannedRendition]) -> str:
    """The tallest rendition at most ``MP4_MAX_HEIGHT`` tall, else the smallest."""
    fitting = [r for r in renditions if r.height is not None and r.height <= MP4_MAX_HEIGHT]
    if fitting:
        return max(fitting, key=lambda r: r.height or 0).name
    return min(renditions, key=lambda r: r.height or 0).name


def _rendition(
    name: str,
    height: int,
    aspect: Fraction,
    video_kbps: int,
    audio_kbps: int,
    with_audio: bool,
    crf: int | None = None,
) -> PlannedRendition:
    width = max(2, 2 * round(height * aspect / 2))
    return PlannedRendition(
        name=name,
        width=width,
        height=height,
        video_kbps=video_kbps,
        audio_kbps=audio_kbps if with_audio else None,
        crf=crf,
    )


def _even_down(value: int) -> int:
    return max(2, math.floor(value / 2) * 2)
