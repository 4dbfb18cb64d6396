"""Automatic captions: the ``transcribe`` option of an EncodingJob and its engines.

An EncodingJob with ``transcribe`` set makes a WebVTT caption track of the source's
speech (``captions/<language>.vtt`` under the output prefix, listed in the manifest's
``captions``), after its encode; with ``transcribe.only`` it makes nothing else (a
transcription of an existing video: the ladder and extras of the spec are ignored, the
manifest is a ``TranscriptionManifest``). Esup-Pod (Vosk/Whisper), PeerTube (Whisper on
runners) and Mux (``generated_subtitles``) are the references.

Engines (``TranscribeEngine``):

- ``pocketsphinx``: CMU PocketSphinx with the US English model its wheel carries
  (languages: ``en``); small, runs everywhere, mediocre accuracy;
- ``whisper``: faster-whisper (CTranslate2) with a model directory from a volume
  (``model_path``, else the worker's ``TRANSCRIBE_WHISPER_MODEL_PATH``), never downloaded;
  the languages of the model (a multilingual model: about 100).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

TranscribeEngine = Literal["pocketsphinx", "whisper"]
ENGINES: tuple[str, ...] = ("pocketsphinx", "whisper")

#: the languages (primary BCP 47 subtags) an engine's model knows; ``None``: the model's
#: own list decides, at run time (whisper: the worker fails the job with
#: ``transcription_language_unsupported`` if the model lacks the language)
ENGINE_LANGUAGES: dict[str, tuple[str, ...] | None] = {"pocketsphinx": ("en",), "whisper": None}

#: a BCP 47 language tag such as ``fr`` or ``en-GB`` (the captions' ``lang``)
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$"

#: stable ``encoding.failed`` reasons of a transcription
REASON_MODEL_MISSING = "transcription_model_missing"
REASON_ENGINE_UNAVAILABLE = "transcription_engine_unavailable"
REASON_LANGUAGE_UNSUPPORTED = "transcription_language_unsupported"
REASON_NO_AUDIO = "transcription_no_audio"
REASON_FAILED = "transcription_failed"


def primary_language(tag: str) -> str:
    """``en-GB`` → ``en``: the subtag engines know languages by."""
    return tag.split("-", 1)[0].lower()


def engine_supports(engine: str, language: str) -> bool | None:
    """Whether ``engine``'s model knows ``language``: True, False, or None when only
    the model can tell (whisper)."""
    known = ENGINE_LANGUAGES.get(engine)
    if known is None:
        return None
    return primary_language(language) in known


class Transcribe(BaseModel):
    """``spec.transcribe``: make a caption track of the speech."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    engine: Annotated[
        TranscribeEngine,
        Field(description="Speech-to-text engine: `pocketsphinx` or `whisper` (faster-whisper)."),
    ] = "pocketsphinx"
    language: Annotated[
        str,
        Field(
            pattern=LANGUAGE_PATTERN,
            max_length=35,
            description="BCP 47 language tag of the speech (e.g. `en`, `fr`), also the "
            "track's language.",
        ),
    ] = "en"
    model_path: Annotated[
        str | None,
        Field(
            pattern=r"^/.+",
            max_length=1024,
            description="whisper: absolute path of the model directory in the worker "
            "(CTranslate2 format, from a volume); none: the worker's "
            "TRANSCRIBE_WHISPER_MODEL_PATH.",
        ),
    ] = None
    only: Annotated[
        bool,
        Field(
            description="Transcribe only (an existing video): no ladder, no extras; the "
            "manifest lists the captions alone."
        ),
    ] = False
