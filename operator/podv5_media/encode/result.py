"""Building ``manifest.json`` (``podv5_contract.outputs.Manifest``) from what was made.

Paths are relative to the output root, sizes in bytes (``total_size_bytes`` counts every
file but the manifest itself), durations in seconds rounded to the millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from podv5_contract.outputs import (
    AudioRenditionOutput,
    DashOutput,
    HlsOutput,
    Manifest,
    Mp4Output,
    RenditionOutput,
    StoryboardOutput,
)
from podv5_contract.spec import EncodingJobSpec
from podv5_media.probe import MediaInfo

from . import layout
from .hls import AudioStats, VariantStats
from .ladder import EncodePlan


def build_manifest(
    *,
    spec: EncodingJobSpec,
    info: MediaInfo,
    plan: EncodePlan,
    variants: list[VariantStats],
    out_dir: Path,
    audio: Sequence[AudioStats] = (),
    dash: str | None = None,
    mp4_path: str | None,
    poster: bool,
    storyboard: bool,
) -> Manifest:
    """The manifest of the outputs under ``out_dir``; ``poster``/``storyboard``: made."""
    renditions = [
        RenditionOutput(
            name=v.rendition.name,
            width=v.rendition.width,
            height=v.rendition.height,
            bandwidth=v.peak_bandwidth,
            average_bandwidth=v.average_bandwidth,
            codecs=v.codecs,
            video_kbps=v.rendition.video_kbps,
            audio_kbps=v.rendition.audio_kbps,
            playlist=v.playlist,
            size_bytes=v.size_bytes,
            duration=round(v.duration, 3),
            video_range=v.rendition.video_range,
        )
        for v in variants
    ]
    audio_renditions = [
        AudioRenditionOutput(
            name=a.track.name,
            language=a.track.language,
            label=a.track.label,
            default=a.track.default,
            descriptions=bool(a.track.characteristics),
            commentary=a.track.commentary,
            bandwidth=a.peak_bandwidth,
            average_bandwidth=a.average_bandwidth,
            codecs=a.codecs,
            audio_kbps=a.track.kbps,
            playlist=a.playlist,
            size_bytes=a.size_bytes,
            duration=round(a.duration, 3),
        )
        for a in audio
    ]
    mp4 = []
    if mp4_path is not None and plan.mp4_rendition is not None:
        rendition = plan.rendition(plan.mp4_rendition)
        mp4.append(
            Mp4Output(
                name=rendition.name,
                path=mp4_path,
                width=rendition.width,
                height=rendition.height,
                size_bytes=(out_dir / mp4_path).stat().st_size,
            )
        )
    board = None
    if storyboard and plan.storyboard is not None:
        s = plan.storyboard
        board = StoryboardOutput(
            image=layout.STORYBOARD_IMAGE,
            vtt=layout.STORYBOARD_VTT,
            tile_width=s.tile_width,
            tile_height=s.tile_height,
            columns=s.columns,
            rows=s.rows,
            interval=s.interval,
        )
    total = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    return Manifest(
        job_id=str(spec.job_id),
        video_id=str(spec.video_id),
        duration=round(max(v.duration for v in variants), 3),
        source=info.to_source_info(),
        hls=HlsOutput(
            master=layout.MASTER_PLAYLIST,
            renditions=renditions,
            segment_duration=plan.segment_duration,
            audio_only=plan.audio_only,
            audio=audio_renditions,
            tone_mapped_from=plan.tone_map,
        ),
        dash=DashOutput(mpd=dash) if dash else None,
        mp4=mp4,
        poster=layout.POSTER if poster else None,
        storyboard=board,
        total_size_bytes=total,
    )
