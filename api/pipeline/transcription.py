"""Automatic captions (transcription), the pipeline's side.

A transcription is an EncodingJob whose spec carries ``transcribe``
(``podv5_contract.transcribe``), run by the same backends and worker as every encode:

- at upload time, with the encode (:func:`upload_transcribe_option`: the tus
  ``Upload-Metadata`` key ``transcribe``, ``on``/``off``/a language tag; absent:
  ``AUTO_TRANSCRIBE``);
- for a ready video, alone (:func:`transcription_start`, ``POST
  /api/v1/videos/{id}/transcriptions``: a transcription-only job, ``transcribe.only``).

When the job succeeds, :func:`captions_import` stores each WebVTT file the worker made
as the video's ``captions`` track of its language, marked ``generated``: it replaces a
generated track, never one a person uploaded. Engine and language default to
``TRANSCRIBE_ENGINE`` and ``TRANSCRIBE_LANGUAGE``; a language the engine has no model for
is refused up front (422 ``transcription_language_unsupported``) when the API can tell
(pocketsphinx: English only), else the worker fails the job with that reason.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.files.storage import default_storage
from django.db import transaction

from api.captions.models import Track, TrackKind
from api.captions.services import track_save_generated
from api.core import storage
from api.core.errors import Conflict, InvalidState, PodError, ValidationFailed
from api.editing.selectors import edit_spec_for
from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import encoding_job_create
from api.videos.models import Video, VideoStatus
from podv5_contract.outputs import CaptionOutput
from podv5_contract.transcribe import (
    ENGINES,
    LANGUAGE_PATTERN,
    Transcribe,
    engine_supports,
    primary_language,
)

logger = logging.getLogger(__name__)

#: the tus Upload-Metadata key of the upload-time option
UPLOAD_METADATA_KEY = "transcribe"
_ON = ("on", "1", "true", "yes")
_OFF = ("off", "0", "false", "no")
#: where a worker may put a caption file, under its output prefix
_CAPTION_PATH = re.compile(r"^captions/[A-Za-z0-9-]{2,35}\.vtt$")


def transcribe_options(
    *, engine: str | None = None, language: str | None = None, only: bool = False
) -> Transcribe:
    """The ``transcribe`` of a job spec: ``engine``/``language`` or the settings'
    defaults; whisper gets ``TRANSCRIBE_WHISPER_MODEL_PATH``. ValidationFailed (422,
    ``transcription_language_unsupported``, field ``language``) when the engine has
    no model for the language."""
    engine = engine or settings.TRANSCRIBE_ENGINE
    language = language or settings.TRANSCRIBE_LANGUAGE
    if engine_supports(engine, language) is False:
        raise ValidationFailed(
            f"The {engine} engine has no model for the language {language!r}.",
            field="language",
            code="transcription_language_unsupported",
        )
    model_path = settings.TRANSCRIBE_WHISPER_MODEL_PATH if engine == "whisper" else ""
    return Transcribe(engine=engine, language=language, model_path=model_path or None, only=only)


def upload_transcribe_option(*, metadata: dict[str, str]) -> Transcribe | None:
    """The upload-time option from a tus upload's Upload-Metadata: ``transcribe`` =
    ``on`` (the default language), ``off``, or a language tag (``en``, ``fr``...);
    absent: on if ``AUTO_TRANSCRIBE``. ValidationFailed (field
    ``Upload-Metadata.transcribe``) for another value or a language the engine lacks."""
    value = metadata.get(UPLOAD_METADATA_KEY)
    if value is None:
        return transcribe_options() if settings.AUTO_TRANSCRIBE else None
    word = value.strip().lower()
    if word in _OFF:
        return None
    if word in _ON:
        return transcribe_options()
    if re.fullmatch(LANGUAGE_PATTERN, value.strip()):
        try:
            return transcribe_options(language=value.strip())
        except ValidationFailed as exc:
            exc.field = f"Upload-Metadata.{UPLOAD_METADATA_KEY}"
            raise
    raise ValidationFailed(
        "Upload-Metadata 'transcribe' must be on, off or a language tag such as 'en'.",
        field=f"Upload-Metadata.{UPLOAD_METADATA_KEY}",
    )


def reencode_transcribe(*, video: Video) -> Transcribe | None:
    """What a re-encode (maybe with a new cut) transcribes: the video's generated
    captions again, in their language and with their engine, so that their times follow
    the new timeline; None without a generated track (or with one the settings refuse
    now)."""
    track = (
        Track.objects.filter(video=video, kind=TrackKind.CAPTIONS, generated=True)
        .order_by("created_at")
        .first()
    )
    if track is None:
        return None
    engine = track.generator if track.generator in ENGINES else None
    try:
        return transcribe_options(engine=engine, language=track.lang)
    except ValidationFailed:
        return None


def transcribes(job: EncodingJob) -> bool:
    """Whether the job makes captions (with its encode or alone)."""
    return bool(job.spec.get("transcribe"))


@transaction.atomic
def transcription_start(
    *, video: Video, engine: str | None = None, language: str | None = None
) -> EncodingJob:
    """A transcription-only job for a ready video (its source transcribed again; the
    video's outputs are left as they are). Conflict (409): ``transcription_running``
    while a job that transcribes this video is unfinished; ``invalid_state`` while the
    video is not ready (no source, or being encoded)."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    unfinished = list(
        EncodingJob.objects.filter(video=video, phase__in=(JobPhase.PENDING, JobPhase.RUNNING))
    )
    if any(transcribes(job) for job in unfinished):
        raise Conflict(
            "A transcription of this video is already running.", code="transcription_running"
        )
    if video.status != VideoStatus.READY or not video.source_name or unfinished:
        raise InvalidState("The video must be ready (encoded) to be transcribed.")
    return encoding_job_create(
        video=video,
        edit=edit_spec_for(video=video),  # the captions follow the cut the outputs have
        transcribe=transcribe_options(engine=engine, language=language, only=True),
    )


def track_label(language: str) -> str:
    """``English (automatic)``: the label of a generated track."""
    name = LANG_INFO.get(language.lower(), LANG_INFO.get(primary_language(language), {}))
    return f"{name.get('name', language)} (automatic)"


def captions_import(
    *, video: Video, output_prefix: str, captions: list[CaptionOutput]
) -> list[Track]:
    """Store the captions a job made (files under ``output_prefix``) as the video's
    generated tracks (see the module doc); returns the tracks stored. A file without
    cues (no speech found), missing or not valid WebVTT is skipped with a warning: the
    video itself is fine."""
    tracks = []
    for caption in captions:
        if caption.cues == 0 or not _CAPTION_PATH.match(caption.path):
            logger.warning("video %s: caption %s skipped (no cues or bad path)", video.id, caption)
            continue
        try:
            with default_storage.open(f"{output_prefix}{caption.path}", "rb") as file:
                data = file.read(settings.CAPTION_MAX_SIZE + 1)
            track = track_save_generated(
                video=video,
                lang=caption.language,
                label=track_label(caption.language),
                data=data,
                generator=caption.engine,
            )
        except (OSError, PodError) as exc:
            logger.warning("video %s: captions %s not stored: %s", video.id, caption.path, exc)
            continue
        if track is not None:
            tracks.append(track)
    return tracks


def transcription_succeeded(*, job: EncodingJob, output_prefix: str, captions: list) -> Video:
    """A transcription-only job succeeded: its captions become tracks; its output
    folder (the files just copied) is deleted after commit."""
    video = job.video
    captions_import(video=video, output_prefix=output_prefix, captions=captions)
    transaction.on_commit(lambda: storage.delete_prefix(output_prefix))
    return video
