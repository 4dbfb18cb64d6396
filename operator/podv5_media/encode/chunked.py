"""Running a chunked job (``spec.chunks = N``): its steps, as pods or as local processes.

``media-encode --spec <spec with chunks>`` runs one step, chosen by the environment:

- ``MEDIA_ENCODE_STEP=chunk`` with ``JOB_COMPLETION_INDEX=i`` (what Kubernetes gives each
  pod of an Indexed Job): step ``i`` — video chunk ``i`` for ``i < N`` (``chunks.py``), the
  audio of the whole source for ``i = N``, and with ``spec.transcribe`` its captions
  (``captions.py``, as a one-pass encode makes them: the whole source's main audio
  stream; the engine loaded before the audio encode, so a missing model fails the step
  at once). A video chunk under ``rateControl: PerTitle`` chooses its own CRFs: the
  probe (``probe_encode.tune_plan``) samples the chunk's span only, and drops no rung (the
  chunks decide apart and must make the same rungs); ``stitchable`` x264 keeps the
  chunks' init segments alike (``chunks.py``). It publishes its output at
  ``<output>chunks/<i>/`` (with a ``manifest.json`` of the step, stored last: the
  chunk's span and the CRF of each rung) and sends
  ``encoding.running`` (the same webhook-id from every step: applied once) and, if it
  fails, ``encoding.failed``; never ``succeeded``. A step past the chunks the video has
  room for (a short video) publishes an empty step;
- ``MEDIA_ENCODE_STEP=join``: the join (``join.py``) of every step's output, published at
  ``<output>`` as a one-pass encode publishes (the audio step's captions in it, listed
  in the manifest's ``captions``), then ``encoding.succeeded`` with the manifest; the
  steps' outputs are deleted;
- unset (the local backend, a shell): every step as a child ``media-encode`` process, at
  most ``MEDIA_ENCODE_CHUNK_WORKERS`` at once (default: the CPU count; the audio step
  first: with a transcription it is the longest), with
  ``encoding.progress`` as they finish (90 % when all are done), then the join in this
  process. A step that fails stops the others (``encoding.failed``, reason of the step,
  else ``chunk_failed``); SIGTERM stops them all (nothing published).

Exit codes: ``run.ExitCode``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path

from podv5_contract.callbacks import CallbackRejected
from podv5_contract.outputs import CaptionOutput
from podv5_contract.spec import EncodingJobSpec
from podv5_media import storage
from podv5_media.ffmpeg import FfmpegError, run_ffmpeg
from podv5_media.probe import UnsupportedMedia, probe
from podv5_media.transcribe import TranscriptionError

from . import captions as transcription
from . import layout
from .chunks import (
    CHUNK_MANIFEST,
    THUMBS_DIR,
    ChunkSpan,
    build_audio_command,
    build_chunk_command,
    media_info_from_json,
    media_info_to_json,
    plan_chunks,
    source_keyframes,
)
from .dash import write_mpd
from .fmp4 import Fmp4Error
from .hls import HlsOutputError, measure_audio, measure_variant, write_master
from .join import (
    JoinError,
    join_audio,
    join_video,
    place_captions,
    place_poster,
    tile_storyboard,
)
from .ladder import EncodePlan, plan_encoding
from .probe_encode import tune_plan
from .rate_control import rendition_crf
from .report import Reporter
from .result import build_manifest
from .run import Cancelled, ExitCode, JobFailed, WorkerConfig, _make_workdir, _remux_mp4
from .storyboard import build_vtt

log = logging.getLogger(__name__)

STEP_ENV = "MEDIA_ENCODE_STEP"
INDEX_ENV = "JOB_COMPLETION_INDEX"
WORKERS_ENV = "MEDIA_ENCODE_CHUNK_WORKERS"
CHUNKS_PREFIX = "chunks/"
#: the share of the progress the steps account for (the join does the rest)
STEPS_PERCENT = 90.0


def chunk_prefix(spec: EncodingJobSpec, index: int) -> str:
    """Where step ``index`` publishes its output (a URI ending '/')."""
    return f"{spec.output}{CHUNKS_PREFIX}{index:03d}/"


def run_chunked(
    spec: EncodingJobSpec,
    config: WorkerConfig,
    reporter: Reporter,
    env: dict[str, str] | None = None,
) -> int:
    """Run the step the environment names (see the module docstring); an ``ExitCode``."""
    env = dict(os.environ if env is None else env)
    step = env.get(STEP_ENV, "").strip()
    if step == "chunk":
        try:
            index = int(env.get(INDEX_ENV, ""))
        except ValueError:
            log.error("%s=chunk needs %s (an integer)", STEP_ENV, INDEX_ENV)
            return ExitCode.USAGE
        if not 0 <= index <= (spec.chunks or 0):
            log.error("%s=%s is outside 0..%s", INDEX_ENV, index, spec.chunks)
            return ExitCode.USAGE
        return _guarded(spec, config, reporter, lambda work: _chunk(spec, config, index, work))
    if step == "join":
        return _guarded(spec, config, reporter, lambda workdir: _join(spec, config, workdir))
    if step:
        log.error("%s=%r: must be chunk or join (or unset)", STEP_ENV, step)
        return ExitCode.USAGE
    workers = int(env.get(WORKERS_ENV, "").strip() or os.cpu_count() or 1)
    return _guarded(
        spec, config, reporter, lambda workdir: _all(spec, config, reporter, workdir, workers)
    )


def _guarded(
    spec: EncodingJobSpec,
    config: WorkerConfig,
    reporter: Reporter,
    body: Callable[[Path], dict | None],
) -> int:
    """``encoding.running``, then ``body(scratch folder)``; its failures reported as
    ``run.run_job`` reports them. ``body`` returns the manifest to send with
    ``encoding.succeeded``, or None (a step: nothing to send)."""
    try:
        try:
            reporter.running()
        except CallbackRejected as exc:
            log.error("the API refused the job, aborting: %s", exc)
            return ExitCode.CALLBACK
        workdir = None
        try:
            workdir = _make_workdir(spec, config)
            manifest = body(workdir)
        except (JobFailed, TranscriptionError) as exc:
            log.error("job %s failed (%s): %s", spec.job_id, exc.reason, exc)
            reporter.failed(exc.reason, str(exc))
            return ExitCode.FAILED
        except Cancelled as exc:
            log.warning("job %s interrupted by %s; nothing published", spec.job_id, exc)
            return ExitCode.INTERRUPTED
        except Exception as exc:
            log.exception("job %s crashed", spec.job_id)
            reporter.failed("internal_error", f"{type(exc).__name__}: {exc}")
            return ExitCode.FAILED
        finally:
            if workdir is not None:
                storage.cleanup(workdir)
        if manifest is not None and not reporter.succeeded(manifest):
            return ExitCode.CALLBACK
        return ExitCode.OK
    finally:
        reporter.close()


# --- one step ----------------------------------------------------------------------------------


def _chunk(spec: EncodingJobSpec, config: WorkerConfig, index: int, workdir: Path) -> None:
    started = time.monotonic()
    try:
        source = storage.fetch(spec.source, workdir)
    except storage.StorageError as exc:
        raise JobFailed("storage_error", str(exc)) from exc
    try:
        info = probe(source)
    except UnsupportedMedia as exc:
        raise JobFailed(exc.reason, str(exc)) from exc
    plan = plan_encoding(info, spec)
    if plan.audio_only:
        raise JobFailed("invalid_spec", "an audio-only source is encoded in one pass, not chunks")
    if spec.edit is not None:
        raise JobFailed("invalid_spec", "an edited encode (cut, dressing) is not chunked")
    out = workdir / "out"
    out.mkdir()
    source_info = media_info_to_json(info)
    record: dict = {"index": index, "kind": "none", "span": None, "source": source_info}
    if index == spec.chunks:  # the audio step, and the captions
        transcriber = transcription.transcriber_for(spec, info)  # before the encode: fail fast
        if plan.audio:
            for track in plan.audio:
                (out / layout.variant_dir(track.name)).mkdir(parents=True)
            cmd = build_audio_command(plan, ffmpeg=config.ffmpeg, source=source, out_dir=out)
            _ffmpeg(cmd, f"audio step {index}")
            record["kind"] = "audio"
        captions = transcription.make_captions(transcriber, source, info, out, plan.duration)
        record["captions"] = [c.model_dump(mode="json") for c in captions]
    else:
        keyframes = source_keyframes(source, plan.video_stream, info.start_time)
        spans = plan_chunks(plan, spec.chunks, keyframes)
        if index < len(spans):
            span = spans[index]
            for rendition in plan.renditions:
                (out / layout.variant_dir(rendition.name)).mkdir(parents=True)
            (out / THUMBS_DIR).mkdir()
            tuned = _tune_chunk(plan, span, source, config, workdir)
            cmd = build_chunk_command(
                tuned, span, ffmpeg=config.ffmpeg, source=source, out_dir=out,
                settings=config.settings,
            )  # fmt: skip
            _ffmpeg(cmd, f"chunk {index}")
            crfs = {r.name: rendition_crf(r) for r in tuned.renditions}  # Fixed: none used
            crfs = crfs if tuned.rate_control != "Fixed" else {}
            record.update(kind="video", span=asdict(span), crfs=crfs)
    (out / CHUNK_MANIFEST).write_text(json.dumps(record) + "\n")
    try:
        storage.publish(out, chunk_prefix(spec, index))
    except storage.StorageError as exc:
        raise JobFailed("storage_error", str(exc)) from exc
    log.info("step %d (%s) done in %.2f s", index, record["kind"], time.monotonic() - started)


def _tune_chunk(
    plan: EncodePlan, span: ChunkSpan, source: Path, config: WorkerConfig, workdir: Path
) -> EncodePlan:
    """``plan`` with the CRFs ``PerTitle`` chooses for this chunk alone: the probe samples
    the chunk's own span (``per_title.sample_spans`` within it), every rung is kept (the
    chunks decide apart, they must make the same rungs); a failed probe leaves the static
    CRFs (``probe_encode.tune_plan``). Other rate controls: ``plan`` as it is."""
    rate = Fraction(plan.frame_rate or 25)
    start = float(span.first_frame / rate)
    end = plan.duration if span.end_frame is None else float(span.end_frame / rate)
    return tune_plan(
        plan, source, ffmpeg=config.ffmpeg, settings=config.settings, workdir=workdir,
        within=(start, min(end, plan.duration) - start), drop_rungs=False,
    ).plan  # fmt: skip


def _ffmpeg(cmd: list[str], what: str) -> None:
    started = time.monotonic()
    try:
        run_ffmpeg(cmd)
    except FfmpegError as exc:
        raise JobFailed("ffmpeg_failed", f"{what}: {exc}") from exc
    log.info("%s encoded in %.2f s", what, time.monotonic() - started)


# --- the join ----------------------------------------------------------------------------------


def _join(spec: EncodingJobSpec, config: WorkerConfig, workdir: Path) -> dict:
    started = time.monotonic()
    steps = []
    for index in range((spec.chunks or 0) + 1):
        try:
            folder = _fetch_prefix(chunk_prefix(spec, index), workdir / f"step-{index:03d}")
            record = json.loads((folder / CHUNK_MANIFEST).read_text())
        except (storage.StorageError, OSError, ValueError) as exc:
            raise JobFailed("invalid_output", f"step {index} has no output: {exc}") from exc
        steps.append((record, folder))
    info = media_info_from_json(steps[0][0]["source"])
    for record, _ in steps:
        if record.get("crfs"):
            log.info("chunk %d CRFs: %s", record["index"], record["crfs"])
    plan = plan_encoding(info, spec)
    video = [(ChunkSpan(**r["span"]), f) for r, f in steps if r["kind"] == "video"]
    audio_record, audio_dir = steps[-1]  # the audio step: its audio (if any), its captions
    audio = audio_dir if audio_record["kind"] == "audio" else None
    if not video or [s.index for s, _ in video] != list(range(len(video))):
        raise JobFailed("invalid_output", "the video chunks are not all there")
    if plan.audio and audio is None:
        raise JobFailed("invalid_output", "the audio step made no audio")
    out = _join_dir(spec, workdir)
    try:
        spans, dirs = [s for s, _ in video], [f for _, f in video]
        try:
            delay = join_video(plan, spans, dirs, out)
            if audio is not None:
                join_audio(plan, audio, out, delay)
            # from here on, what a one-pass encode does with its media (run.py)
            variants = [measure_variant(out, r, plan) for r in plan.renditions]
            tracks = [measure_audio(out, track) for track in plan.audio]
            write_master(out, variants, plan.frame_rate, tracks)
            dash = write_mpd(out, variants, tracks, plan)
            poster = plan.poster is not None and place_poster(dirs, out)
            board = tile_storyboard(plan, dirs, out, config.ffmpeg)
            captions = [CaptionOutput.model_validate(c) for c in audio_record.get("captions") or ()]
            place_captions(captions, audio_dir, out)
        except (JoinError, Fmp4Error, HlsOutputError, OSError) as exc:
            raise JobFailed("invalid_output", str(exc)) from exc
        (out / layout.MP4_DIR).mkdir(exist_ok=True)
        mp4 = _remux_mp4(out, plan, config.ffmpeg)
        if board:
            vtt = build_vtt(plan.storyboard, Path(layout.STORYBOARD_IMAGE).name, plan.duration)
            (out / layout.STORYBOARD_VTT).write_text(vtt)
        manifest = build_manifest(
            spec=spec, info=info, plan=plan, variants=variants, audio=tracks, dash=dash,
            out_dir=out, mp4_path=mp4, poster=poster, storyboard=board,
        ).model_copy(update={"captions": captions})  # fmt: skip
        document = manifest.model_dump(mode="json")
        (out / layout.MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
        try:
            storage.publish(out, spec.output)
        except storage.StorageError as exc:
            raise JobFailed("storage_error", str(exc)) from exc
    finally:
        shutil.rmtree(out, ignore_errors=True)
    _delete_prefix(f"{spec.output}{CHUNKS_PREFIX}")
    log.info("joined %d chunks in %.2f s", len(video), time.monotonic() - started)
    return document


def _join_dir(spec: EncodingJobSpec, workdir: Path) -> Path:
    """Where the join assembles the output: beside a file:// output (publishing is then
    renames, and the chunks' segments are hard-linked, not copied), else in scratch."""
    if storage.scheme_of(spec.output) == "file":
        dest = storage.local_path(spec.output)
        return Path(tempfile.mkdtemp(prefix=f".{dest.name}.join-", dir=dest.parent))
    out = workdir / "out"
    out.mkdir()
    return out


def _fetch_prefix(uri: str, dest: Path) -> Path:
    """A local folder holding the objects under ``uri``: a file:// folder in place, an
    s3:// prefix downloaded into ``dest``. ``StorageError`` on failure."""
    if storage.scheme_of(uri) == "file":
        folder = storage.local_path(uri)
        if not folder.is_dir():
            raise storage.StorageError(f"not found: {uri}")
        return folder
    bucket, prefix = storage.split_s3_uri(uri)
    config = storage.S3Config.from_env()
    try:
        client = storage.s3_client(config)
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents") or []:
                target = dest / item["Key"][len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, item["Key"], str(target))
    except storage._s3_errors() as exc:
        raise storage.StorageError(f"could not download {uri}: {exc}") from exc
    if not dest.is_dir():
        raise storage.StorageError(f"not found: {uri}")
    return dest


def _delete_prefix(uri: str) -> None:
    """Delete the steps' outputs (best effort: leftovers go with the video)."""
    if storage.scheme_of(uri) == "file":
        shutil.rmtree(storage.local_path(uri), ignore_errors=True)
        return
    bucket, prefix = storage.split_s3_uri(uri)
    config = storage.S3Config.from_env()
    try:
        client = storage.s3_client(config)
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents") or []]
    except storage._s3_errors() as exc:
        log.warning("could not list the chunks to delete them: %s", exc)
        return
    storage._delete_quietly(config, bucket, keys)


# --- every step here, as child processes ----------------------------------------------------------


def _all(
    spec: EncodingJobSpec, config: WorkerConfig, reporter: Reporter, workdir: Path, workers: int
) -> dict:
    """Every step as a child ``media-encode`` (at most ``workers`` at once), then the join."""
    total = (spec.chunks or 0) + 1
    # the audio step first: with a transcription it is the longest (longest first keeps
    # the pool's last steps short)
    pending = [total - 1, *range(total - 1)]
    running: dict[int, subprocess.Popen] = {}
    done = 0
    inline = json.dumps(spec.to_wire())
    started = time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                index = pending.pop(0)
                env = {**os.environ, STEP_ENV: "chunk", INDEX_ENV: str(index)}
                env.pop(WORKERS_ENV, None)
                running[index] = subprocess.Popen(
                    [sys.executable, "-m", "podv5_media.encode.cli", "--spec", inline],
                    env=env, stdin=subprocess.DEVNULL,
                )  # fmt: skip
            time.sleep(0.05)
            for index, proc in list(running.items()):
                code = proc.poll()
                if code is None:
                    continue
                del running[index]
                if code == ExitCode.INTERRUPTED:
                    raise Cancelled(f"step {index} was interrupted")
                if code != 0:
                    message = f"step {index} of {total} exited with code {code}"
                    raise JobFailed("chunk_failed", message)
                done += 1
                reporter.progress(STEPS_PERCENT * done / total)
    except BaseException:  # a failed step or a signal: stop the others, keep nothing
        for proc in running.values():
            proc.terminate()
        for proc in running.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        _delete_prefix(f"{spec.output}{CHUNKS_PREFIX}")
        raise
    log.info("%d steps done in %.2f s (%d at once)", total, time.monotonic() - started, workers)
    document = _join(spec, config, workdir)
    reporter.progress(100.0)
    return document


__all__ = ["chunk_prefix", "run_chunked"]
