"""One encoding job, start to end.

``encoding.running`` -> fetch (or import from a URL: ``podv5_media.imports``) -> probe
-> plan -> ONE ffmpeg process (HLS ladder, poster, storyboard sprite) with
``encoding.progress`` -> remux the MP4 fallback -> storyboard WebVTT -> measure the
variants, rewrite the master playlist -> ``manifest.json`` -> publish at the output
prefix -> ``encoding.succeeded`` (with the manifest).

Any failure before publishing sends ``encoding.failed`` with a stable ``reason``
(``unsupported_media``, ``truncated_media``, ``storage_error``, ``ffmpeg_failed``,
``invalid_output``, ``invalid_edit``, ``internal_error``; a transcription's
``transcription_*``, see ``podv5_contract.transcribe``) and publishes nothing. With
``spec.transcribe`` the captions are made after the encode (``captions.py``); with
``transcribe.only`` instead of it.

Exit codes (``ExitCode``): 0 success; 1 the job failed (``encoding.failed`` sent); 2 bad
spec or usage (see ``cli.py``); 3 the callback receiver refused ``encoding.running``
(nothing done) or ``encoding.succeeded`` could not be delivered (the outputs ARE
published); 143 stopped by SIGTERM/SIGINT (ffmpeg killed, nothing published, NO
``encoding.failed`` sent: the job may be run again).
"""

from __future__ import annotations

import enum
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from podv5_contract.callbacks import CallbackRejected
from podv5_contract.spec import EncodingJobSpec
from podv5_media import imports, storage
from podv5_media.ffmpeg import FfmpegError, find_ffmpeg, run_ffmpeg
from podv5_media.probe import UnsupportedMedia, probe
from podv5_media.transcribe import TranscriptionError

from . import captions as transcription
from . import layout
from .command import EncoderSettings, build_ffmpeg_command, build_remux_command
from .dash import write_mpd
from .edit import EditFailed, prepare_edit
from .hls import HlsOutputError, measure_audio, measure_variant, write_master
from .ladder import EncodePlan, plan_encoding
from .probe_encode import tune_plan
from .progress import ProgressParser
from .report import Reporter
from .result import build_manifest
from .storyboard import build_vtt

log = logging.getLogger(__name__)


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    CALLBACK = 3
    INTERRUPTED = 143  # 128 + SIGTERM, as a shell reports it


class JobFailed(Exception):
    """The job cannot complete; ``reason`` is the stable code sent to the API."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class Cancelled(BaseException):
    """Raised in the main thread on SIGTERM/SIGINT (see ``cli.py``)."""


@dataclass(frozen=True)
class WorkerConfig:
    """What the worker takes from its environment (see ``from_env``)."""

    ffmpeg: str
    callback_secret: str | None = None
    scratch_dir: Path | None = None
    settings: EncoderSettings = field(default_factory=EncoderSettings)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WorkerConfig:
        """``CALLBACK_SIGNING_SECRET``, ``FFMPEG_BINARY``, ``MEDIA_ENCODE_SCRATCH_DIR``,
        ``MEDIA_ENCODE_X264_PRESET`` (default ``veryfast``), ``MEDIA_ENCODE_THREADS``."""
        env = dict(os.environ if env is None else env)
        threads = env.get("MEDIA_ENCODE_THREADS", "").strip()
        scratch = env.get("MEDIA_ENCODE_SCRATCH_DIR", "").strip()
        return cls(
            ffmpeg=find_ffmpeg(env),
            callback_secret=env.get("CALLBACK_SIGNING_SECRET") or None,
            scratch_dir=Path(scratch) if scratch else None,
            settings=EncoderSettings(
                preset=env.get("MEDIA_ENCODE_X264_PRESET", "").strip() or "veryfast",
                threads=int(threads) if threads else None,
            ),
        )


def run_job(spec: EncodingJobSpec, config: WorkerConfig, reporter: Reporter | None = None) -> int:
    """Run the job; returns an ``ExitCode``. Only ``Cancelled`` may escape (a signal
    arriving outside the encode), which ``cli.main`` turns into ``INTERRUPTED``."""
    reporter = reporter or Reporter(spec, config.callback_secret)
    try:
        try:
            reporter.running()
        except CallbackRejected as exc:
            log.error("the API refused the job, aborting: %s", exc)
            return ExitCode.CALLBACK
        workdir: Path | None = None
        try:
            workdir = _make_workdir(spec, config)
            manifest = _encode(spec, config, reporter, workdir)
        except (JobFailed, TranscriptionError) as exc:
            log.error("job %s failed (%s): %s", spec.job_id, exc.reason, exc)
            reporter.failed(exc.reason, str(exc))
            return ExitCode.FAILED
        except Cancelled as exc:
            # stopped from outside (pod eviction, server shutdown): the job is not failed,
            # whoever stopped us decides whether to run it again; ffmpeg is already killed
            log.warning("job %s interrupted by %s; nothing published", spec.job_id, exc)
            return ExitCode.INTERRUPTED
        except Exception as exc:  # a bug: still tell the API, with the error
            log.exception("job %s crashed", spec.job_id)
            reporter.failed("internal_error", f"{type(exc).__name__}: {exc}")
            return ExitCode.FAILED
        finally:
            if workdir is not None:
                storage.cleanup(workdir)
        if not reporter.succeeded(manifest):
            return ExitCode.CALLBACK
        return ExitCode.OK
    finally:
        reporter.close()


def _encode(spec: EncodingJobSpec, config: WorkerConfig, reporter: Reporter, workdir: Path) -> dict:
    """Steps between ``running`` and ``succeeded``; returns the manifest (JSON form)."""
    started = time.monotonic()
    try:  # from storage, or imported from a URL (podv5_media.imports)
        source, fetched = imports.source_for(spec, workdir, ffmpeg=config.ffmpeg)
    except imports.ImportFailed as exc:
        raise JobFailed(exc.reason, str(exc)) from exc
    try:
        info = probe(source)
    except UnsupportedMedia as exc:
        raise JobFailed(exc.reason, str(exc)) from exc
    if fetched is not None:  # media: kept as the video's source, reported at the end
        try:
            reporter.imported = imports.keep(fetched, spec.source)
        except imports.ImportFailed as exc:
            raise JobFailed(exc.reason, str(exc)) from exc
    transcriber = transcription.transcriber_for(spec, info)  # before the encode: fail fast
    plan = plan_encoding(info, spec)
    # PerTitle: each rung's CRF (and which rungs) from a probe encode of the source
    plan = tune_plan(
        plan, source, ffmpeg=config.ffmpeg, settings=config.settings, workdir=workdir
    ).plan
    edit = None
    if spec.edit is not None:  # cut and dressing (edit.py)
        try:
            edit = prepare_edit(spec.edit, info, plan, workdir)
        except EditFailed as exc:
            raise JobFailed(exc.reason, str(exc)) from exc
        plan = edit.apply(plan)
    log.info("probed in %.2f s; plan: %s", time.monotonic() - started, plan)
    if transcriber is not None and spec.transcribe.only:  # captions of the edited timeline
        out = workdir / "out"
        manifest = transcription.transcribe_only(
            spec, info, source, transcriber, reporter, out, edit=edit
        )
        try:
            storage.publish(out, spec.output)
        except storage.StorageError as exc:
            raise JobFailed("storage_error", str(exc)) from exc
        return manifest.model_dump(mode="json")

    out = workdir / "out"
    _make_dirs(out, plan)
    cmd = build_ffmpeg_command(
        plan, ffmpeg=config.ffmpeg, source=source, out_dir=out, settings=config.settings, edit=edit
    )
    parser = ProgressParser()

    def on_line(line: str) -> None:
        update = parser.feed(line)
        if update is not None and not update.done:
            reporter.progress(update.percent(plan.duration))

    started = time.monotonic()
    try:
        run_ffmpeg(cmd, on_stdout_line=on_line)
    except FfmpegError as exc:
        raise JobFailed("ffmpeg_failed", str(exc)) from exc
    log.info("encoded in %.2f s", time.monotonic() - started)
    reporter.progress(100.0)
    started = time.monotonic()

    try:
        variants = [measure_variant(out, r, plan) for r in plan.renditions]
        audio = [measure_audio(out, track) for track in plan.audio]
        write_master(out, variants, plan.frame_rate, audio)
        dash = write_mpd(out, variants, audio, plan) if plan.has_video else None
    except (HlsOutputError, OSError) as exc:
        raise JobFailed("invalid_output", str(exc)) from exc

    mp4 = _remux_mp4(out, plan, config.ffmpeg)
    poster = plan.poster is not None and _made(out / layout.POSTER)
    board = plan.storyboard is not None and _made(out / layout.STORYBOARD_IMAGE)
    if board:
        vtt = build_vtt(plan.storyboard, Path(layout.STORYBOARD_IMAGE).name, plan.duration)
        (out / layout.STORYBOARD_VTT).write_text(vtt)
    captions = transcription.make_captions(transcriber, source, info, out, plan.duration, edit)
    manifest = build_manifest(
        spec=spec,
        info=info,
        plan=plan,
        variants=variants,
        audio=audio,
        dash=dash,
        out_dir=out,
        mp4_path=mp4,
        poster=poster,
        storyboard=board,
    ).model_copy(update={"captions": captions})
    if edit is not None:
        manifest = edit.remap_manifest(manifest)  # chapters onto the edited timeline
    document = manifest.model_dump(mode="json")
    (out / layout.MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
    try:
        storage.publish(out, spec.output)
    except storage.StorageError as exc:
        raise JobFailed("storage_error", str(exc)) from exc
    log.info("remuxed, measured and published in %.2f s", time.monotonic() - started)
    return document


def _make_workdir(spec: EncodingJobSpec, config: WorkerConfig) -> Path:
    try:
        if config.scratch_dir is not None:
            config.scratch_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"media-encode-{spec.job_id}-", dir=config.scratch_dir))
    except OSError as exc:
        raise JobFailed("storage_error", f"cannot create a scratch folder: {exc}") from exc


def _make_dirs(out: Path, plan: EncodePlan) -> None:
    for name in [r.name for r in plan.renditions] + [a.name for a in plan.audio]:
        (out / layout.variant_dir(name)).mkdir(parents=True, exist_ok=True)
    if plan.storyboard is not None:
        (out / layout.STORYBOARD_DIR).mkdir(parents=True, exist_ok=True)
    if plan.mp4_rendition is not None:
        (out / layout.MP4_DIR).mkdir(parents=True, exist_ok=True)


def _remux_mp4(out: Path, plan: EncodePlan, ffmpeg: str) -> str | None:
    """Remux the chosen variant into the MP4 fallback; its relative path (or None)."""
    if plan.mp4_rendition is None:
        return None
    rel = layout.mp4_path(plan.mp4_rendition, audio_only=plan.audio_only)
    default_audio = plan.audio[0].name if plan.audio else None  # the default comes first
    cmd = build_remux_command(
        ffmpeg=ffmpeg,
        playlist=out / layout.variant_playlist(plan.mp4_rendition),
        output=out / rel,
        audio_playlist=out / layout.variant_playlist(default_audio) if default_audio else None,
    )
    try:
        run_ffmpeg(cmd)
    except FfmpegError as exc:
        raise JobFailed("ffmpeg_failed", f"MP4 fallback: {exc}") from exc
    return rel


def _made(path: Path) -> bool:
    if path.is_file() and path.stat().st_size > 0:
        return True
    log.warning("%s was not produced (source too short or no frame there?)", path.name)
    return False
