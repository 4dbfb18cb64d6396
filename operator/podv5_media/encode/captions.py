"""The encode worker's transcription step (``spec.transcribe``, see
``podv5_contract.transcribe``): the engine is loaded right after the probe (a missing
model fails the job before the encode), the captions are made after the encode, next to
the other outputs; a transcription-only job (``transcribe.only``) makes them alone.
The speech is the source's: with a cut (``spec.edit``), each segment's times are moved
onto the output's timeline (``EditPlan.source_time``: after the opening credits, the cut
parts skipped) and segments the cut removed are dropped.

Errors are ``TranscriptionError`` with a stable ``reason``, which ``run.run_job``
reports as it does a ``JobFailed``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from podv5_contract.outputs import CaptionOutput, TranscriptionManifest
from podv5_contract.spec import EncodingJobSpec
from podv5_contract.transcribe import REASON_NO_AUDIO
from podv5_media.probe import MediaInfo
from podv5_media.transcribe import Segment, Transcriber, TranscriptionError

from . import layout
from .edit import EditPlan
from .report import Reporter

log = logging.getLogger(__name__)


def transcriber_for(spec: EncodingJobSpec, info: MediaInfo) -> Transcriber | None:
    """The loaded engine of ``spec.transcribe``, or None when there is nothing to do: no
    ``transcribe``, or a source without audio next to an encode (a transcription-only
    job fails then, ``transcription_no_audio``)."""
    options = spec.transcribe
    if options is None:
        return None
    if info.audio is None:
        if options.only:
            raise TranscriptionError(REASON_NO_AUDIO, "The source has no audio to transcribe.")
        log.warning("the source has no audio stream: no captions")
        return None
    return Transcriber(options)


def edited_timeline(edit: EditPlan | None):
    """``segment -> segment | None``: a source segment on the output's timeline (None:
    the cut removed it); None without an edit. A segment over a cut boundary keeps its
    kept part."""
    if edit is None:
        return None

    def remap(segment: Segment) -> Segment | None:
        start, end = edit.source_time(segment.start), edit.source_time(segment.end)
        if start is None or end is None:
            kept = [(a, b) for a, b in (edit.kept or ()) if a < segment.end and b > segment.start]
            if not kept:
                return None
            start = edit.source_time(max(segment.start, kept[0][0]))
            end = edit.source_time(min(segment.end, kept[-1][1]) - 1e-3)
        if start is None or end is None or end <= start:
            return None
        return Segment(start, end, segment.text)

    return remap


def make_captions(
    transcriber: Transcriber | None,
    source: Path,
    info: MediaInfo,
    out: Path,
    duration: float,
    edit: EditPlan | None = None,
) -> list[CaptionOutput]:
    """The captions of ``source``'s main audio stream under ``out`` (none without a
    transcriber); ``duration``: the output's, seconds."""
    if transcriber is None or info.audio is None:
        return []
    caption = transcriber.run(
        source, out, duration=duration, stream=info.audio.index, remap=edited_timeline(edit)
    )
    return [caption]


def transcribe_only(
    spec: EncodingJobSpec, info: MediaInfo, source: Path, transcriber: Transcriber,
    reporter: Reporter, out: Path, *, edit: EditPlan | None = None,
) -> TranscriptionManifest:  # fmt: skip
    """A transcription-only job: the captions and ``manifest.json`` under ``out`` (not
    yet published), with ``encoding.progress`` as the engine goes; with ``edit``, on the
    edited timeline (what the video's outputs play)."""
    out.mkdir(parents=True, exist_ok=True)
    duration = edit.duration if edit is not None else info.duration
    caption = transcriber.run(
        source,
        out,
        duration=duration,
        stream=info.audio.index if info.audio else None,
        on_progress=reporter.progress,
        remap=edited_timeline(edit),
    )
    reporter.progress(100.0)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    manifest = TranscriptionManifest(
        job_id=str(spec.job_id),
        video_id=str(spec.video_id),
        duration=round(duration, 3),
        source=info.to_source_info(),
        captions=[caption],
        total_size_bytes=total,
    )
    (out / layout.MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
    return manifest
