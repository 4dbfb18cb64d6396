"""The source's speech as engines take it: 16 kHz, mono, signed 16-bit PCM.

``decode_pcm(path, index)`` decodes an audio stream (the probe's main one; default: the
first) with PyAV (libav's resampler: every
channel mixed down, any rate converted) into one ``numpy.int16`` array: 32 kB per
second of audio (115 MB for an hour), which both engines need whole or in large parts.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.error
import numpy as np

from podv5_contract.transcribe import REASON_FAILED, REASON_NO_AUDIO
from podv5_media.transcribe.engines import SAMPLE_RATE, TranscriptionError


def decode_pcm(path: Path, index: int | None = None) -> np.ndarray:
    """Audio stream ``index`` (a container stream index; None: the first audio stream)
    of ``path`` as int16 samples at ``SAMPLE_RATE`` Hz, mono. TranscriptionError
    ``transcription_no_audio`` without an audio stream, ``transcription_failed`` if it
    cannot be decoded."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise TranscriptionError(REASON_NO_AUDIO, "The source has no audio stream.")
            by_index = {s.index: s for s in container.streams.audio}
            stream = by_index.get(index, container.streams.audio[0])
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            chunks: list[np.ndarray] = []
            for frame in container.decode(stream):
                chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    except av.error.FFmpegError as exc:
        raise TranscriptionError(REASON_FAILED, f"Cannot decode the audio: {exc}") from exc
    if not chunks:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate(chunks).astype(np.int16, copy=False)
