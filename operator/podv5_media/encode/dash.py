"""The DASH MPD beside the HLS master playlist, over the SAME CMAF segments (no second copy).

``write_mpd`` writes ``hls/manifest.mpd`` (ISO/IEC 23009-1, static, profile
``urn:mpeg:dash:profile:isoff-live:2011``), next to ``master.m3u8`` so its relative URLs
are the HLS ones and a token path segment in front of it (private media) is inherited:

- one video ``AdaptationSet`` (segment-aligned, ``startWithSAP=1``: our renditions share
  keyframe instants) with one ``Representation`` per video rendition: ``bandwidth`` is the
  measured peak (bit/s, as HLS BANDWIDTH), ``codecs`` the ``avc1.PPCCLL`` of its init
  segment;
- the HDR rendition (``spec.hdr.keep``) in an ``AdaptationSet`` of its own (codecs
  ``hvc1...``), after the audio ones, with ``EssentialProperty`` descriptors of its colour
  (ISO/IEC 23001-8 CICP schemes ``urn:mpeg:mpegB:cicp:ColourPrimaries`` 9,
  ``...:TransferCharacteristics`` 16 (PQ) or 18 (HLG), ``...:MatrixCoefficients`` 9; the
  HDR10 signalling of DASH-IF IOP v4.3): a player that does not understand an
  EssentialProperty must ignore its set (ISO/IEC 23009-1), so SDR-only players keep to the
  SDR set. Our HLG bitstream says transfer 18 in its VUI (not the SDR-compatible 14 of
  DVB's backward-compatible HLG), so HLG is essential too;
- one audio ``AdaptationSet`` per alternate audio rendition, with its ``lang``, a ``Role``
  (``main``, ``alternate``, ``commentary`` or ``description``; scheme
  ``urn:mpeg:dash:role:2011``) and, for an audio description, the DVB/TV-Anytime
  ``Accessibility`` descriptor (``urn:tva:metadata:cs:AudioPurposeCS:2007`` value 1);
- addressing: ``SegmentTemplate`` with ``$Number%05d$`` (the HLS segment names) and a
  ``SegmentTimeline`` built from the playlists' EXTINF durations, in milliseconds
  (timescale 1000), start times from the rounded running sum so no drift accumulates.

Audio-only sources get no MPD (their HLS variant muxes nothing else; players use HLS).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import m3u8

from . import layout
from .hls import AudioStats, HlsOutputError, VariantStats
from .ladder import EncodePlan

MPD_NS = "urn:mpeg:dash:schema:mpd:2011"
PROFILE = "urn:mpeg:dash:profile:isoff-live:2011"
ROLE_SCHEME = "urn:mpeg:dash:role:2011"
AUDIO_PURPOSE_SCHEME = "urn:tva:metadata:cs:AudioPurposeCS:2007"
CHANNELS_SCHEME = "urn:mpeg:dash:23003:3:audio_channel_configuration:2011"
TIMESCALE = 1000
#: ISO/IEC 23001-8 (ITU-T H.273) code points of the HDR rendition, by HLS VIDEO-RANGE
CICP = "urn:mpeg:mpegB:cicp:"
HDR_CICP = {
    "PQ": {"ColourPrimaries": 9, "TransferCharacteristics": 16, "MatrixCoefficients": 9},
    "HLG": {"ColourPrimaries": 9, "TransferCharacteristics": 18, "MatrixCoefficients": 9},
}


def write_mpd(
    out_dir: Path, variants: list[VariantStats], audio: list[AudioStats], plan: EncodePlan
) -> str:
    """Write ``hls/manifest.mpd`` for the measured ``variants`` and ``audio`` renditions;
    returns its path relative to ``out_dir``. Raises HlsOutputError when a playlist
    cannot be read."""
    duration = max([v.duration for v in variants] + [a.duration for a in audio])
    ET.register_namespace("", MPD_NS)
    mpd = ET.Element(
        _q("MPD"),
        {
            "type": "static",
            "profiles": PROFILE,
            "minBufferTime": _iso_duration(2 * plan.segment_duration),
            "mediaPresentationDuration": _iso_duration(duration),
        },
    )
    period = ET.SubElement(mpd, _q("Period"), {"id": "0", "start": "PT0S"})

    _video_set(period, "0", [v for v in variants if not v.rendition.hdr], out_dir, plan)

    for n, item in enumerate(audio, start=1):
        track = item.track
        attrs = {
            "id": str(n),
            "contentType": "audio",
            "mimeType": "audio/mp4",
            "segmentAlignment": "true",
            "startWithSAP": "1",
        }
        if track.language:
            attrs["lang"] = track.language
        audio_set = ET.SubElement(period, _q("AdaptationSet"), attrs)
        ET.SubElement(audio_set, _q("Label")).text = track.label
        if track.characteristics:
            ET.SubElement(
                audio_set, _q("Accessibility"), {"schemeIdUri": AUDIO_PURPOSE_SCHEME, "value": "1"}
            )
        ET.SubElement(audio_set, _q("Role"), {"schemeIdUri": ROLE_SCHEME, "value": _role(track)})
        rep = ET.SubElement(
            audio_set,
            _q("Representation"),
            {
                "id": track.name,
                "bandwidth": str(item.peak_bandwidth),
                "codecs": item.codecs,
                "audioSamplingRate": "48000",
            },
        )
        ET.SubElement(
            rep, _q("AudioChannelConfiguration"), {"schemeIdUri": CHANNELS_SCHEME, "value": "2"}
        )
        _segment_template(rep, out_dir, track.name)

    hdr = [v for v in variants if v.rendition.hdr]  # one source: one HDR transfer
    if hdr:
        hdr_set = _video_set(period, str(len(audio) + 1), hdr, out_dir, plan)
        codes = HDR_CICP[hdr[0].rendition.video_range]
        for at, (scheme, value) in enumerate(codes.items()):
            # descriptors come before the Representations (the MPD schema's order)
            hdr_set.insert(at, ET.Element(
                _q("EssentialProperty"), {"schemeIdUri": CICP + scheme, "value": str(value)}
            ))  # fmt: skip

    ET.indent(mpd)
    text = ET.tostring(mpd, encoding="unicode", xml_declaration=True) + "\n"
    (out_dir / layout.DASH_MPD).write_text(text)
    return layout.DASH_MPD


def _video_set(
    period: ET.Element, set_id: str, variants: list[VariantStats], out_dir: Path, plan: EncodePlan
) -> ET.Element:
    """A video ``AdaptationSet`` of ``variants`` (one ``Representation`` each)."""
    video_set = ET.SubElement(
        period,
        _q("AdaptationSet"),
        {
            "id": set_id,
            "contentType": "video",
            "mimeType": "video/mp4",
            "segmentAlignment": "true",
            "startWithSAP": "1",
        },
    )
    if plan.frame_rate:
        rate = plan.frame_rate
        video_set.set("frameRate", f"{rate.numerator}/{rate.denominator}")
    for variant in variants:
        rendition = variant.rendition
        rep = ET.SubElement(
            video_set,
            _q("Representation"),
            {
                "id": rendition.name,
                "bandwidth": str(variant.peak_bandwidth),
                "codecs": variant.codecs.split(",")[0],
                "width": str(rendition.width),
                "height": str(rendition.height),
                "sar": "1:1",
            },
        )
        _segment_template(rep, out_dir, rendition.name)
    return video_set


def _segment_template(rep: ET.Element, out_dir: Path, name: str) -> None:
    """``SegmentTemplate`` + ``SegmentTimeline`` of the variant stream ``name``, from its
    HLS playlist (same init segment, same media segments)."""
    path = out_dir / layout.variant_playlist(name)
    try:
        playlist = m3u8.loads(path.read_text(), uri=str(path))
    except (OSError, ValueError) as exc:
        raise HlsOutputError(f"cannot read the {name} playlist: {exc}") from exc
    segments = list(playlist.segments)
    if not segments or segments[0].init_section is None:
        raise HlsOutputError(f"the {name} playlist has no segments or no init segment")
    first = segments[0].uri
    start_number = _segment_number(first)
    prefix = first[: first.rindex("_") + 1]
    template = ET.SubElement(
        rep,
        _q("SegmentTemplate"),
        {
            "timescale": str(TIMESCALE),
            "initialization": f"{name}/{segments[0].init_section.uri}",
            "media": f"{name}/{prefix}$Number%05d$.m4s",
            "startNumber": str(start_number),
        },
    )
    timeline = ET.SubElement(template, _q("SegmentTimeline"))
    elapsed = 0.0
    start = 0
    run: list[int] = []  # [t, d, r] of the current S element
    for index, segment in enumerate(segments):
        if _segment_number(segment.uri) != start_number + index:
            raise HlsOutputError(f"the {name} segments are not numbered in sequence")
        elapsed += float(segment.duration or 0)
        end = round(elapsed * TIMESCALE)
        length = end - start
        if run and run[1] == length:
            run[2] += 1
        else:
            if run:
                _add_s(timeline, run)
            run = [start, length, 0]
        start = end
    _add_s(timeline, run)


def _add_s(timeline: ET.Element, run: list[int]) -> None:
    attrs = {"t": str(run[0]), "d": str(run[1])}
    if run[2]:
        attrs["r"] = str(run[2])
    ET.SubElement(timeline, _q("S"), attrs)


def _segment_number(uri: str) -> int:
    try:
        return int(Path(uri).stem.rsplit("_", 1)[1])
    except (IndexError, ValueError) as exc:
        raise HlsOutputError(f"unexpected segment name {uri!r}") from exc


def _role(track) -> str:
    if track.characteristics:
        return "description"
    if track.commentary:
        return "commentary"
    return "main" if track.default else "alternate"


def _iso_duration(seconds: float) -> str:
    return f"PT{seconds:.3f}S"


def _q(tag: str) -> str:
    return f"{{{MPD_NS}}}{tag}"
