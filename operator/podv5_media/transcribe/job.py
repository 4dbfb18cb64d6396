"""One transcription, as the encode worker runs it (``podv5_media.encode.run``).

``Transcriber(options, config)`` loads the engine when it is built (so a missing model or
an unknown language fails the job before the encode, not after it); ``run`` decodes the
source's audio, transcribes it and writes ``captions/<language>.vtt`` under the output
folder, returning the manifest's ``CaptionOutput``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podv5_contract.outputs import CaptionOutput
from podv5_contract.transcribe import (
    REASON_ENGINE_UNAVAILABLE,
    REASON_FAILED,
    REASON_LANGUAGE_UNSUPPORTED,
    Transcribe,
    engine_supports,
)
from podv5_media.transcribe.engines import SAMPLE_RATE, Engine, Segment, TranscriptionError
from podv5_media.transcribe.webvtt import build_webvtt

log = logging.getLogger(__name__)

#: the folder of caption files under the output prefix
CAPTIONS_DIR = "captions"


@dataclass(frozen=True)
class TranscribeConfig:
    """What the transcription takes from the worker's environment (``from_env``)."""

    whisper_model_path: str | None = None
    whisper_compute_type: str = "int8"
    threads: int | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> TranscribeConfig:
        """``TRANSCRIBE_WHISPER_MODEL_PATH`` (the model directory when the spec names
        none), ``TRANSCRIBE_WHISPER_COMPUTE_TYPE`` (``int8``; ``float32``, ``int8_float32``
        ...), ``MEDIA_ENCODE_THREADS`` (CPU threads; default: all)."""
        env = dict(os.environ if env is None else env)
        threads = env.get("MEDIA_ENCODE_THREADS", "").strip()
        return cls(
            whisper_model_path=env.get("TRANSCRIBE_WHISPER_MODEL_PATH", "").strip() or None,
            whisper_compute_type=env.get("TRANSCRIBE_WHISPER_COMPUTE_TYPE", "").strip() or "int8",
            threads=int(threads) if threads.isdigit() and int(threads) > 0 else None,
        )


def load_engine(options: Transcribe, config: TranscribeConfig) -> Engine:
    """The engine of ``options``, its model loaded; TranscriptionError otherwise."""
    if engine_supports(options.engine, options.language) is False:
        raise TranscriptionError(
            REASON_LANGUAGE_UNSUPPORTED,
            f"The {options.engine} engine has no model for the language {options.language!r}.",
        )
    if options.engine == "pocketsphinx":
        from podv5_media.transcribe.sphinx import PocketsphinxEngine

        return PocketsphinxEngine()
    if options.engine == "whisper":
        from podv5_media.transcribe.whisper import WhisperEngine

        return WhisperEngine(
            options.model_path or config.whisper_model_path,
            options.language,
            compute_type=config.whisper_compute_type,
            threads=config.threads,
        )
    raise TranscriptionError(REASON_ENGINE_UNAVAILABLE, f"Unknown engine {options.engine!r}.")


class Transcriber:
    """A loaded engine for one job's ``spec.transcribe`` (see the module doc)."""

    def __init__(self, options: Transcribe, config: TranscribeConfig | None = None) -> None:
        self.options = options
        started = time.monotonic()
        self.engine = load_engine(options, config or TranscribeConfig.from_env())
        log.info("%s engine loaded in %.2f s", options.engine, time.monotonic() - started)

    def run(
        self,
        source: Path,
        out_dir: Path,
        *,
        duration: float,
        stream: int | None = None,
        on_progress: Callable[[float], None] | None = None,
        remap: Callable[[Segment], Segment | None] | None = None,
    ) -> CaptionOutput:
        """Transcribe audio stream ``stream`` (a stream index; None: the first) of
        ``source`` into ``out_dir/captions/<language>.vtt``; ``duration`` (seconds, the
        output's) bounds the cue times; ``on_progress(percent)``; ``remap``: moves each
        segment onto another timeline (None drops it), e.g. a cut's."""
        # numpy (``audio``) only when a job transcribes: every encode worker, and each
        # step of a chunked job, imports this module; it starts a third of a second faster
        from podv5_media.transcribe.audio import decode_pcm

        started = time.monotonic()
        pcm = decode_pcm(source, stream)
        audio_seconds = len(pcm) / SAMPLE_RATE
        total = duration if duration > 0 else audio_seconds
        span = audio_seconds or total  # progress: through the audio decoded
        report = on_progress or (lambda _p: None)
        try:
            segments = list(
                self.engine.transcribe(pcm, lambda t: report(min(100.0, 100.0 * t / span)))
            )
        except TranscriptionError:
            raise
        except Exception as exc:  # an engine's own failure (model, memory...)
            raise TranscriptionError(REASON_FAILED, f"{type(exc).__name__}: {exc}") from exc
        if remap is not None:
            segments = [s for s in map(remap, segments) if s is not None]
        text, cues = build_webvtt(segments, duration=total)
        rel = f"{CAPTIONS_DIR}/{self.options.language}.vtt"
        (out_dir / CAPTIONS_DIR).mkdir(parents=True, exist_ok=True)
        (out_dir / rel).write_text(text, encoding="utf-8")
        elapsed = time.monotonic() - started
        log.info(
            "transcribed %.1f s of audio with %s in %.2f s (%.2fx real time): %d cues",
            audio_seconds,
            self.engine.name,
            elapsed,
            elapsed / audio_seconds if audio_seconds else 0.0,
            cues,
        )
        return CaptionOutput(
            path=rel,
            language=self.options.language,
            engine=self.engine.name,
            cues=cues,
            audio_duration=round(audio_seconds, 3),
            size_bytes=(out_dir / rel).stat().st_size,
        )
