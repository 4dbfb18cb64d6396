"""Automatic captions: speech → WebVTT, inside ``media-encode`` (``spec.transcribe``).

``audio`` decodes the source's main audio stream to 16 kHz mono PCM (PyAV), an engine
(``sphinx``: PocketSphinx; ``whisper``: faster-whisper) turns it into ``Segment``s
(start/end seconds, text), ``webvtt`` lays them out as cues, and ``job.Transcriber``
ties the steps together for the encode worker (``podv5_media.encode.run``). Failures are
``TranscriptionError`` with a stable ``reason`` (``podv5_contract.transcribe.REASON_*``).
"""

from podv5_media.transcribe.engines import Segment, TranscriptionError
from podv5_media.transcribe.job import TranscribeConfig, Transcriber

__all__ = ["Segment", "TranscribeConfig", "Transcriber", "TranscriptionError"]
