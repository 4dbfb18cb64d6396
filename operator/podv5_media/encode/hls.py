"""After the encode: measure the HLS variants and (re)write the master playlist.

ffmpeg writes a master playlist, but its BANDWIDTH is derived from the configured or
average bit rate and its attributes vary across ffmpeg versions. We rewrite it with the
``m3u8`` package from what was actually produced, per variant:

- ``BANDWIDTH``: the peak segment bit rate (bit/s), as RFC 8216 (§4.3.4.2)
  defines it: the largest bit rate of any contiguous set of segments whose total
  duration is between 0.5 and 1.5 times the target duration (``peak_segment_bit_rate``;
  a short last segment is measured with its neighbour, not alone). Measured, never the
  ladder's nominal rate: under content-aware rate control (``rate_control.py``) a
  rendition's real rate is anywhere below its cap;
- ``AVERAGE-BANDWIDTH``: all segment bytes * 8 / total duration;
- ``RESOLUTION`` (video), ``FRAME-RATE`` (video), ``CODECS`` (RFC 6381): ``avc1.PPCCLL``
  read from the ``avcC`` box of the variant's init segment (``hvc1.P.C.TL.B`` from the
  ``hvcC`` box for the HDR rendition, ISO/IEC 14496-15 Annex E), ``mp4a.40.2`` for AAC-LC;
- ``VIDEO-RANGE`` (video, RFC 8216bis §4.4.6.2): ``SDR`` for the H.264 ladder, ``PQ`` or
  ``HLG`` for the HDR rendition, so players that cannot show HDR leave it out (Apple's
  HLS authoring spec). The master's EXT-X-VERSION stays 7 (fMP4 segments need 6, no
  attribute here needs more).

Variant playlists lacking ``EXT-X-INDEPENDENT-SEGMENTS`` (ffmpeg omits it for audio only)
get it. Errors: ``HlsOutputError`` when a variant playlist is missing, empty or unparsable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import m3u8

from . import layout
from .ladder import AUDIO_GROUP, EncodePlan, PlannedAudio, PlannedRendition

AAC_LC_CODEC = "mp4a.40.2"


class HlsOutputError(Exception):
    """The HLS output is incomplete or malformed."""


@dataclass(frozen=True)
class VariantStats:
    """One variant as produced. Bandwidths in bit/s, sizes in bytes, duration in s."""

    rendition: PlannedRendition
    playlist: str  # relative to the output root
    duration: float
    size_bytes: int
    peak_bandwidth: int
    average_bandwidth: int
    codecs: str
    segment_count: int


@dataclass(frozen=True)
class AudioStats:
    """One alternate audio rendition as produced (same units as ``VariantStats``)."""

    track: PlannedAudio
    playlist: str
    duration: float
    size_bytes: int
    peak_bandwidth: int
    average_bandwidth: int
    codecs: str
    segment_count: int


@dataclass(frozen=True)
class _Measured:
    playlist: str
    init: bytes | None
    duration: float
    size_bytes: int
    peak: int
    average: int
    segment_count: int


def _measure(out_dir: Path, name: str) -> _Measured:
    """Read the playlist of the variant stream ``name`` and measure its segments."""
    rel = layout.variant_playlist(name)
    path = out_dir / rel
    try:
        playlist = m3u8.loads(path.read_text(), uri=str(path))
    except (OSError, ValueError) as exc:
        raise HlsOutputError(f"cannot read the {name} playlist: {exc}") from exc
    segments = list(playlist.segments)
    if not segments or not playlist.is_endlist:
        raise HlsOutputError(f"the {name} playlist is empty or unfinished")
    if not playlist.is_independent_segments:
        # ffmpeg omits the tag for audio-only variants; every segment starts on a
        # keyframe (forced IDR) or an independent AAC frame, so it holds for ours
        playlist.is_independent_segments = True
        path.write_text(playlist.dumps())
    folder = path.parent
    init_uri = segments[0].init_section.uri if segments[0].init_section else None
    init = (folder / init_uri).read_bytes() if init_uri else None
    sized = [(float(s.duration or 0), (folder / s.uri).stat().st_size) for s in segments]
    duration = sum(d for d, _ in sized)
    media_bytes = sum(size for _, size in sized)
    target = playlist.target_duration or max(d for d, _ in sized)
    peak = peak_segment_bit_rate(sized, target)
    return _Measured(
        playlist=rel,
        init=init,
        duration=duration,
        size_bytes=media_bytes + (len(init) if init else 0),
        peak=math.ceil(peak),
        average=math.ceil(media_bytes * 8 / duration) if duration else 0,
        segment_count=len(segments),
    )


def measure_variant(out_dir: Path, rendition: PlannedRendition, plan: EncodePlan) -> VariantStats:
    """Read the variant playlist of ``rendition`` under ``out_dir`` and measure it. With
    alternate audio renditions the variant is video only; its ``codecs`` still list AAC
    (RFC 8216 §4.3.4.2: CODECS covers the renditions of its AUDIO group too)."""
    m = _measure(out_dir, rendition.name)
    codecs = []
    if plan.has_video:
        if m.init is None:
            raise HlsOutputError(f"the {rendition.name} playlist has no init segment")
        codecs.append(hevc_codec_string(m.init) if rendition.hdr else avc_codec_string(m.init))
    if plan.has_audio:
        codecs.append(AAC_LC_CODEC)
    return VariantStats(
        rendition=rendition,
        playlist=m.playlist,
        duration=m.duration,
        size_bytes=m.size_bytes,
        peak_bandwidth=m.peak,
        average_bandwidth=m.average,
        codecs=",".join(codecs),
        segment_count=m.segment_count,
    )


def measure_audio(out_dir: Path, track: PlannedAudio) -> AudioStats:
    """Measure the alternate audio rendition ``track`` under ``out_dir``."""
    m = _measure(out_dir, track.name)
    return AudioStats(
        track=track,
        playlist=m.playlist,
        duration=m.duration,
        size_bytes=m.size_bytes,
        peak_bandwidth=m.peak,
        average_bandwidth=m.average,
        codecs=AAC_LC_CODEC,
        segment_count=m.segment_count,
    )


def peak_segment_bit_rate(segments: list[tuple[float, int]], target_duration: float) -> float:
    """RFC 8216's peak segment bit rate (bit/s) of ``segments`` (``(seconds, bytes)`` in
    playlist order): the largest ``sum(bytes) * 8 / sum(seconds)`` over the contiguous sets
    lasting 0.5 to 1.5 times ``target_duration`` (``EXT-X-TARGETDURATION``). A playlist
    with no such set (shorter than half the target in all) gets its whole-length rate."""
    low, high = 0.5 * target_duration, 1.5 * target_duration
    peak = 0.0
    for first in range(len(segments)):
        seconds, size = 0.0, 0
        for duration, nbytes in segments[first:]:
            seconds += duration
            size += nbytes
            if seconds > high + 1e-6:
                break
            if seconds >= low - 1e-6 and seconds > 0:
                peak = max(peak, size * 8 / seconds)
    if peak == 0.0:
        seconds = sum(d for d, _ in segments)
        peak = sum(b for _, b in segments) * 8 / seconds if seconds > 0 else 0.0
    return peak


def avc_codec_string(init_segment: bytes) -> str:
    """``avc1.PPCCLL`` from the first ``avcC`` box (profile, constraint flags, level)."""
    at = init_segment.find(b"avcC")
    if at < 0 or len(init_segment) < at + 8:
        raise HlsOutputError("no avcC box in the init segment")
    # box payload: configurationVersion, AVCProfileIndication, profile_compatibility,
    # AVCLevelIndication
    profile, compat, level = init_segment[at + 5 : at + 8]
    return f"avc1.{profile:02x}{compat:02x}{level:02x}"


def hevc_codec_string(init_segment: bytes) -> str:
    """``hvc1.P.C.TL.B`` from the first ``hvcC`` box (ISO/IEC 14496-15 Annex E.3): the
    profile (with its space letter), the compatibility flags bit-reversed in hex, the tier
    (``L``/``H``) and level, then the constraint bytes in hex with trailing zero bytes
    left out, e.g. ``hvc1.2.4.L93.90`` (Main10, level 3.1)."""
    at = init_segment.find(b"hvcC")
    if at < 0 or len(init_segment) < at + 4 + 13:
        raise HlsOutputError("no hvcC box in the init segment")
    # payload: configurationVersion, profile_space(2) tier_flag(1) profile_idc(5),
    # profile_compatibility_flags (32 bits), constraint_indicator_flags (48), level_idc
    body = init_segment[at + 4 : at + 4 + 13]
    space, tier, profile = body[1] >> 6, (body[1] >> 5) & 1, body[1] & 0x1F
    flags = int.from_bytes(body[2:6], "big")
    reversed_flags = int(f"{flags:032b}"[::-1], 2)
    constraints = body[6:12].rstrip(b"\0")
    parts = [
        "hvc1",
        ("" if space == 0 else "ABC"[space - 1]) + str(profile),
        f"{reversed_flags:X}",
        f"{'H' if tier else 'L'}{body[12]}",
        *(f"{byte:X}" for byte in constraints),
    ]
    return ".".join(parts)


def write_master(
    out_dir: Path,
    variants: list[VariantStats],
    frame_rate: Fraction | None,
    audio: list[AudioStats] | None = None,
) -> str:
    """Write ``hls/master.m3u8`` for ``variants`` (and the alternate ``audio``
    renditions: ``EXT-X-MEDIA TYPE=AUDIO`` in group ``AUDIO_GROUP``, the variants
    referring to it, their BANDWIDTH / AVERAGE-BANDWIDTH adding the largest audio
    rendition's, RFC 8216 §4.3.4.2; ``VIDEO-RANGE`` on the video variants) and return its
    text."""
    audio = audio or []
    master = m3u8.M3U8()
    master.version = 7
    master.is_independent_segments = True
    media = [
        m3u8.Media(
            uri=f"{a.track.name}/{Path(a.playlist).name}",
            type="AUDIO",
            group_id=AUDIO_GROUP,
            language=a.track.language,
            name=a.track.label,
            default="YES" if a.track.default else "NO",
            autoselect="NO" if a.track.commentary else "YES",
            characteristics=",".join(a.track.characteristics) or None,
            channels="2",
        )
        for a in audio
    ]
    for item in media:
        master.add_media(item)
    audio_peak = max((a.peak_bandwidth for a in audio), default=0)
    audio_average = max((a.average_bandwidth for a in audio), default=0)
    for variant in variants:
        rendition = variant.rendition
        info: dict = {
            "bandwidth": variant.peak_bandwidth + audio_peak,
            "average_bandwidth": variant.average_bandwidth + audio_average,
            "codecs": variant.codecs,
        }
        if audio:
            info["audio"] = AUDIO_GROUP
        if rendition.width and rendition.height:
            info["resolution"] = f"{rendition.width}x{rendition.height}"
            if frame_rate:
                info["frame_rate"] = float(frame_rate)
            info["video_range"] = rendition.video_range
        uri = f"{rendition.name}/{Path(variant.playlist).name}"
        master.add_playlist(m3u8.Playlist(uri=uri, stream_info=info, media=media, base_uri=None))
    text = master.dumps()
    (out_dir / layout.MASTER_PLAYLIST).write_text(text)
    return text
