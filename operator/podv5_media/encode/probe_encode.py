"""The probe encode of per-title rate control (``per_title.py`` decides from it).

Per excerpt (``per_title.sample_spans``) two ffmpeg processes:

- ``build_probe_encode_command``: decode the excerpt once (the encode's own input filters:
  deinterlace, constant frame rate, 8-bit 4:2:0), scale it to every rung, encode each at
  every ``PROBE_CRFS`` CRF (libx264, the encode's preset, no VBV) into raw H.264 files;
- ``build_probe_vmaf_command``: VMAF (libvmaf, model ``vmaf_v0.6.1``) of every probe
  encode upscaled (bicubic) to the top rung's size, against the excerpt, scored on one
  frame in ``VMAF_EVERY`` (libvmaf ``n_subsample``; both sides renumbered, so frames pair
  by index), one JSON log each.

``tune_plan`` runs them on the SDR rungs (an HDR rendition kept beside them, HEVC, keeps
its static CRF; the probe's plan has no HDR rendition, so its input filters give 8-bit
SDR frames, tone-mapped from an HDR source as the encode's SDR trunk is) and returns the
plan with the chosen CRFs and rungs. The probe
never fails a job: any error (e.g. an ffmpeg built without libvmaf) is logged and the
plan keeps the static CRFs of ``rate_control.default_crf``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from podv5_media.ffmpeg import FfmpegError, run_ffmpeg

from .command import EncoderSettings, scale_filters, video_input_filters
from .ladder import EncodePlan
from .per_title import (
    PROBE_CRFS,
    VMAF_EVERY,
    ProbePoint,
    RungDecision,
    Span,
    apply_decisions,
    choose,
    sample_spans,
)

log = logging.getLogger(__name__)

VMAF_MODEL = "vmaf_v0.6.1"


@dataclass(frozen=True)
class PerTitleResult:
    """The tuned plan; the decision per rung (empty when the probe failed); the probe's
    CPU seconds (user + system of its ffmpeg processes) and wall-clock seconds."""

    plan: EncodePlan
    decisions: tuple[RungDecision, ...] = ()
    points: dict[str, tuple[ProbePoint, ...]] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    seconds: float = 0.0


def probe_file(folder: Path, span: int, rung: int, crf: int) -> Path:
    return folder / f"probe-{span}-{rung}-crf{crf}.h264"


def build_probe_encode_command(
    plan: EncodePlan,
    span: Span,
    *,
    ffmpeg: str,
    source: str | Path,
    folder: Path,
    index: int,
    settings: EncoderSettings,
) -> list[str]:
    """Encode excerpt ``index`` (``span``) at every rung and probe CRF (see the module
    docstring) into ``probe_file(folder, index, rung, crf)``."""
    crfs = len(PROBE_CRFS)
    rungs = plan.renditions
    graph = [
        f"[0:{plan.video_stream}]{video_input_filters(plan)},split={len(rungs)}"
        + "".join(f"[s{i}]" for i in range(len(rungs)))
    ]
    for i, rendition in enumerate(rungs):
        graph.append(
            f"[s{i}]{scale_filters(rendition)},split={crfs}"
            + "".join(f"[e{i}_{k}]" for k in range(crfs))
        )
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-ss", f"{span.start:.3f}", "-t", f"{span.duration:.3f}", "-i", str(source),
           "-filter_complex", ";".join(graph)]  # fmt: skip
    threads = ["-threads", str(settings.threads)] if settings.threads else []
    for i in range(len(rungs)):
        for k, crf in enumerate(PROBE_CRFS):
            cmd += ["-map", f"[e{i}_{k}]", "-an", "-c:v", "libx264", "-preset", settings.preset,
                    "-profile:v", "high", "-pix_fmt", "yuv420p", "-crf", str(crf), *threads,
                    "-f", "h264", str(probe_file(folder, index, i, crf))]  # fmt: skip
    return cmd


def build_probe_vmaf_command(
    plan: EncodePlan, span: Span, *, ffmpeg: str, source: str | Path, folder: Path, index: int
) -> list[str]:
    """VMAF of every probe encode of excerpt ``index`` (see the module docstring); logs in
    ``<probe file>.json``."""
    top = plan.renditions[0]
    # frames pair by their index; libvmaf skips frames itself (n_subsample): its motion
    # feature needs consecutive frames (dropping frames first would inflate the scores)
    every = "settb=1/25,setpts=N"
    files = [
        probe_file(folder, index, i, crf) for i in range(len(plan.renditions)) for crf in PROBE_CRFS
    ]
    graph = [
        f"[0:{plan.video_stream}]{video_input_filters(plan)},{every},split={len(files)}"
        + "".join(f"[r{j}]" for j in range(len(files)))
    ]
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-ss", f"{span.start:.3f}", "-t", f"{span.duration:.3f}", "-i", str(source)]  # fmt: skip
    outputs: list[str] = []
    for j, path in enumerate(files, start=1):
        cmd += ["-f", "h264", "-i", str(path)]
        graph.append(
            f"[{j}:v]{every},scale={top.width}:{top.height}:flags=bicubic,format=yuv420p[d{j}];"
            f"[d{j}][r{j - 1}]libvmaf=model=version={VMAF_MODEL}:n_threads=1:"
            f"n_subsample={VMAF_EVERY}:log_fmt=json:log_path={path}.json[v{j}]"
        )
        outputs += ["-map", f"[v{j}]", "-f", "null", "-"]
    return [*cmd, "-filter_complex", ";".join(graph), *outputs]


def tune_plan(
    plan: EncodePlan,
    source: str | Path,
    *,
    ffmpeg: str,
    settings: EncoderSettings,
    workdir: Path | None = None,
    within: tuple[float, float] | None = None,
    drop_rungs: bool = True,
) -> PerTitleResult:
    """Probe ``source`` and return ``plan`` tuned (``per_title.apply_decisions``); on any
    probe failure, ``plan`` unchanged (with a warning).

    ``within``: ``(start, duration)`` in seconds of the source, the span to sample (a
    chunk of a chunked job, ``chunked.py``: its share of the title's sampling budget);
    None: the whole title. ``drop_rungs=False``:
    CRFs only, every rung kept (the chunks of a job must all make the same rungs, and
    each decides alone)."""
    if not plan.has_video or plan.rate_control != "PerTitle":
        return PerTitleResult(plan)
    # the SDR ladder only: an HDR rendition (HEVC) keeps its static CRF
    sdr = dataclasses.replace(plan, renditions=plan.sdr_renditions)
    started, cpu = time.monotonic(), _children_cpu()
    folder = Path(tempfile.mkdtemp(prefix="per-title-", dir=workdir))
    try:
        spans = sample_spans(within[1], start=within[0], title=plan.duration) if within else None
        points = _probe(sdr, source, ffmpeg=ffmpeg, settings=settings, folder=folder, spans=spans)
    except (FfmpegError, OSError, ValueError, KeyError) as exc:
        log.warning("per-title probe failed, static CRFs instead: %s", exc)
        return PerTitleResult(plan, cpu_seconds=_children_cpu() - cpu)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    decisions = tuple(choose(r, points[r.name], top=i == 0) for i, r in enumerate(sdr.renditions))
    if not drop_rungs:
        decisions = tuple(dataclasses.replace(d, dropped=False) for d in decisions)
    result = PerTitleResult(
        plan=apply_decisions(plan, decisions),
        decisions=decisions,
        points=points,
        cpu_seconds=_children_cpu() - cpu,
        seconds=time.monotonic() - started,
    )
    log.info(
        "per-title probe%s in %.1f s (%.1f CPU s): %s",
        f" of {within[0]:.3f}+{within[1]:.3f} s" if within else "",
        result.seconds,
        result.cpu_seconds,
        "; ".join(
            f"{d.name} crf {d.crf:g} ~{d.kbps:.0f} kbit/s VMAF ~{d.vmaf:.1f}"
            + (" dropped" if d.dropped else "")
            for d in decisions
        ),
    )
    return result


def _probe(
    plan: EncodePlan,
    source,
    *,
    ffmpeg: str,
    settings: EncoderSettings,
    folder: Path,
    spans: tuple[Span, ...] | None = None,
) -> dict[str, tuple[ProbePoint, ...]]:
    spans = sample_spans(plan.duration) if spans is None else spans
    if not spans:
        raise ValueError("nothing to probe: the source has no duration")
    # per rung and CRF: bits, seconds, VMAF x frames, frames
    totals: dict[tuple[int, int], list[float]] = {}
    for index, span in enumerate(spans):
        common = {"ffmpeg": ffmpeg, "source": source, "folder": folder, "index": index}
        run_ffmpeg(build_probe_encode_command(plan, span, settings=settings, **common))
        run_ffmpeg(build_probe_vmaf_command(plan, span, **common))
        for i in range(len(plan.renditions)):
            for crf in PROBE_CRFS:
                path = probe_file(folder, index, i, crf)
                frames = [f["metrics"]["vmaf"] for f in json.loads(
                    path.with_name(path.name + ".json").read_text())["frames"]]  # fmt: skip
                if not frames:
                    raise ValueError(f"no frame compared in excerpt {index}")
                total = totals.setdefault((i, crf), [0.0, 0.0, 0.0, 0.0])
                total[0] += path.stat().st_size * 8
                total[1] += span.duration
                total[2] += sum(frames)
                total[3] += len(frames)
    return {
        rendition.name: tuple(
            ProbePoint(crf=crf, kbps=bits / seconds / 1000, vmaf=score / frames)
            for crf in PROBE_CRFS
            for bits, seconds, score, frames in [totals[(i, crf)]]
        )
        for i, rendition in enumerate(plan.renditions)
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
