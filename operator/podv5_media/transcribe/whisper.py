"""faster-whisper (Whisper on CTranslate2) engine, with a model directory from a volume.

The model is a CTranslate2 conversion of a Whisper checkpoint (``model.bin``,
``config.json``, ``tokenizer.json``, ``vocabulary.*``: e.g. the ``Systran/faster-whisper-*``
repositories, fetched once by an operator, never at run time): the engine refuses a
directory without ``model.bin`` or ``tokenizer.json`` (``transcription_model_missing``:
without the latter faster-whisper would fetch ``openai/whisper-tiny``'s tokenizer from the
Hugging Face Hub) and loads with ``local_files_only``. CPU inference, ``int8`` by default
(``TRANSCRIBE_WHISPER_COMPUTE_TYPE``); Silero VAD (in faster-whisper's package assets)
skips silences (``vad_filter``); segments come with times on the source's timeline (VAD
cuts restored), and ``on_progress`` with each segment's end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from podv5_contract.transcribe import (
    REASON_ENGINE_UNAVAILABLE,
    REASON_LANGUAGE_UNSUPPORTED,
    REASON_MODEL_MISSING,
    primary_language,
)
from podv5_media.transcribe.engines import SAMPLE_RATE, Progress, Segment, TranscriptionError

#: the files a model directory must hold (faster-whisper downloads what is missing)
MODEL_FILES = ("model.bin", "tokenizer.json")


class WhisperEngine:
    """faster-whisper with the model at ``model_path``, for ``language`` (a BCP 47 tag:
    its primary subtag must be one of the model's languages: ``en`` only for an
    English-only model). TranscriptionError ``transcription_model_missing``,
    ``transcription_engine_unavailable`` or ``transcription_language_unsupported``."""

    name = "whisper"

    def __init__(
        self,
        model_path: str | None,
        language: str,
        *,
        compute_type: str = "int8",
        threads: int | None = None,
    ) -> None:
        if not model_path:
            raise TranscriptionError(
                REASON_MODEL_MISSING,
                "No whisper model is configured (TRANSCRIBE_WHISPER_MODEL_PATH).",
            )
        path = Path(model_path)
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise TranscriptionError(
                REASON_MODEL_MISSING,
                f"No whisper model at {model_path}: {', '.join(missing)} missing (a "
                f"CTranslate2 model directory with {' and '.join(MODEL_FILES)} is expected).",
            )
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise TranscriptionError(
                REASON_ENGINE_UNAVAILABLE,
                "faster-whisper is not installed in this worker (the `whisper` extra).",
            ) from exc
        try:
            self._model = WhisperModel(
                str(path),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=threads or 0,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranscriptionError(
                REASON_MODEL_MISSING, f"Cannot load the whisper model at {model_path}: {exc}"
            ) from exc
        self.language = primary_language(language)
        if self.language not in self._model.supported_languages:
            raise TranscriptionError(
                REASON_LANGUAGE_UNSUPPORTED,
                f"The whisper model does not know the language {language!r}.",
            )

    def transcribe(self, pcm: np.ndarray, on_progress: Progress) -> Iterator[Segment]:
        audio = pcm.astype(np.float32) / 32768.0
        segments, _info = self._model.transcribe(
            audio, language=self.language, vad_filter=True, beam_size=5
        )
        for segment in segments:  # a generator: decoding happens as it is consumed
            text = " ".join(segment.text.split())
            if text:
                yield Segment(float(segment.start), float(segment.end), text)
            on_progress(min(float(segment.end), len(pcm) / SAMPLE_RATE))
