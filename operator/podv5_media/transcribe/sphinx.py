"""PocketSphinx (CMU Sphinx) engine: the US English model its wheel carries.

The audio is split into speech regions by PocketSphinx's voice activity detector
(``Segmenter``), each region decoded as one utterance; its words (with their frame
times, 100 frames/s) are grouped into phrases at pauses, or when a phrase grows past
``MAX_PHRASE_SECONDS`` or ``MAX_PHRASE_WORDS``. Fillers (``<sil>``, ``[NOISE]``...) are
dropped, alternate pronunciations (``word(2)``) named by their word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from podv5_contract.transcribe import REASON_ENGINE_UNAVAILABLE
from podv5_media.transcribe.engines import SAMPLE_RATE, Progress, Segment, TranscriptionError

#: a pause that ends a phrase, seconds
PAUSE_SECONDS = 0.5
MAX_PHRASE_SECONDS = 5.0
MAX_PHRASE_WORDS = 12
_FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE = re.compile(r"\(\d+\)$")


class _Reader:
    """A read-only file over a buffer, without copying it (what ``Segmenter`` reads)."""

    def __init__(self, data: memoryview) -> None:
        self._data, self._pos = data, 0

    def read(self, size: int) -> bytes:
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk.tobytes()


class PocketsphinxEngine:
    name = "pocketsphinx"

    def __init__(self) -> None:
        try:
            import pocketsphinx
        except ImportError as exc:
            raise TranscriptionError(
                REASON_ENGINE_UNAVAILABLE, "PocketSphinx is not installed in this worker."
            ) from exc
        self._ps = pocketsphinx
        self._decoder = pocketsphinx.Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        self._frame_rate = float(self._decoder.config["frate"] or 100)

    def transcribe(self, pcm: np.ndarray, on_progress: Progress) -> Iterator[Segment]:
        segmenter = self._ps.Segmenter(sample_rate=SAMPLE_RATE)
        reader = _Reader(memoryview(np.ascontiguousarray(pcm, dtype=np.int16)).cast("B"))
        for region in segmenter.segment(reader):
            yield from self._utterance(region.pcm, region.start_time)
            on_progress(region.end_time)

    def _utterance(self, pcm: bytes, offset: float) -> Iterator[Segment]:
        decoder = self._decoder
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            return
        words = []
        for item in decoder.seg():
            word = _ALTERNATE.sub("", item.word)
            if not word or _FILLER.match(word):
                continue
            start = offset + item.start_frame / self._frame_rate
            end = offset + (item.end_frame + 1) / self._frame_rate
            words.append((start, end, word))
        yield from _phrases(words)


def _phrases(words: list[tuple[float, float, str]]) -> Iterator[Segment]:
    """Words (start, end, text) grouped into phrases (see the module doc)."""
    phrase: list[tuple[float, float, str]] = []
    for word in words:
        if phrase and (
            word[0] - phrase[-1][1] >= PAUSE_SECONDS
            or word[1] - phrase[0][0] > MAX_PHRASE_SECONDS
            or len(phrase) >= MAX_PHRASE_WORDS
        ):
            yield Segment(phrase[0][0], phrase[-1][1], " ".join(w[2] for w in phrase))
            phrase = []
        phrase.append(word)
    if phrase:
        yield Segment(phrase[0][0], phrase[-1][1], " ".join(w[2] for w in phrase))
