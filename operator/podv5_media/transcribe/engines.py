"""The engine interface: 16 kHz mono PCM in, ``Segment``s out.

An engine is built once per job (``load_engine``: its model loaded, so a missing model
fails the job before any work) and called once: ``engine.transcribe(pcm, on_progress)``
yields segments in time order, and calls ``on_progress(seconds)`` with how much of the
audio it has gone through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported by the engines, when a job transcribes
    import numpy as np

#: the sample rate every engine takes, Hz (mono, signed 16-bit)
SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Segment:
    """A stretch of speech: ``start``/``end`` in seconds from the start of the media,
    ``text`` as recognised (one line, no markup)."""

    start: float
    end: float
    text: str


class TranscriptionError(Exception):
    """The transcription cannot complete; ``reason`` is a stable code
    (``podv5_contract.transcribe.REASON_*``) sent with ``encoding.failed``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


Progress = Callable[[float], None]


class Engine(Protocol):
    """A speech-to-text engine with its model loaded."""

    name: str

    def transcribe(self, pcm: np.ndarray, on_progress: Progress) -> Iterator[Segment]:
        """Segments of ``pcm`` (int16 samples at ``SAMPLE_RATE``), in time order."""
        ...
