"""Benchmark of automatic captions (a script, not a test): speed against real time and
word error rate, per engine, on this machine.

The speech is known English text spoken by espeak-ng (``tests.speech``: the voice
PocketSphinx's model recognises best), ``--seconds`` long, muxed into an MP4 with a test
pattern; each engine runs as the worker runs it (``podv5_media.transcribe.Transcriber``:
audio decoded by PyAV to 16 kHz mono, then transcribed, then laid out as WebVTT).
Printed per engine: the model load time, the transcription wall and CPU times, the
real-time factors (time / audio time: below 1 is faster than real time; the CPU one
stays meaningful on a loaded machine, whose load average is printed) and the WER of
the cues against the text.

- ``pocketsphinx`` always runs (its model is in its wheel);
- ``whisper`` (faster-whisper) runs with ``--whisper-model DIR``, a CTranslate2 model
  directory already on disk (e.g. a copy of ``Systran/faster-whisper-small``): a real
  model is required for meaningful figures; without one the script says that no model is
  available: it never downloads one. ``--whisper-model synthetic`` runs the tests' tiny
  model (``tests.whisper_model``: random weights that write a fixed script), which
  measures only the runtime's overhead (audio decoding, Silero VAD, features, CTranslate2
  with a tiny encoder and decoder): its WER means nothing, and the script says so.
- ``--media FILE...``: also transcribe these files (speed only, their words are unknown;
  e.g. ``/work/shared/media/*.mp4``), printing the first words found.

Usage::

    .venv/bin/python bench/transcribe.py [--seconds 60] [--whisper-model DIR|synthetic]
        [--language en] [--media clip.mp4 ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "operator")]

from podv5_contract.transcribe import Transcribe  # noqa: E402
from podv5_media.probe import probe  # noqa: E402
from podv5_media.transcribe import TranscribeConfig, Transcriber, TranscriptionError  # noqa: E402
from tests.speech import (  # noqa: E402
    RATE,
    SENTENCES,
    VOICE,
    espeak,
    make_speech_clip,
    parse_webvtt,
    word_error_rate,
)
from tests.whisper_model import make_whisper_model  # noqa: E402

#: ``--whisper-model synthetic``: the tests' tiny model (runtime overhead only)
SYNTHETIC = "synthetic"
#: more text than one clip needs; cut to --seconds by the muxer
PASSAGE = " ".join(
    [
        SENTENCES,
        "Hello and welcome to this course.",
        "Today we will talk about the history of the university.",
        "The library is open from nine in the morning until six in the evening.",
        "Your exam will take place in the main hall next week.",
        "Remember to bring a pen and your student card.",
        "We will now look at the results of the last experiment.",
    ]
    * 4
)


def speech_seconds(text: str, wav: Path) -> float:
    """How long espeak-ng takes to say ``text``, seconds."""
    subprocess.run(
        [espeak(), "-v", VOICE, "-s", str(RATE), "-w", str(wav), text], check=True, timeout=120
    )
    with wave.open(str(wav)) as audio:
        return audio.getnframes() / audio.getframerate()


def run_engine(options: Transcribe, clip: Path, work: Path, reference: str | None) -> None:
    started = time.monotonic()
    try:
        transcriber = Transcriber(options, TranscribeConfig.from_env())
    except TranscriptionError as exc:
        print(f"  {options.engine}: cannot run ({exc.reason}): {exc}")
        return
    loaded = time.monotonic() - started
    out = work / f"{options.engine}-{clip.stem}"
    started, cpu = time.monotonic(), time.process_time()
    caption = transcriber.run(clip, out, duration=probe(clip).duration)
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    text = " ".join(c.text for c in parse_webvtt((out / caption.path).read_text()))
    rtf = wall / caption.audio_duration if caption.audio_duration else float("nan")
    line = (
        f"  {options.engine:12s} load {loaded:5.2f} s  audio {caption.audio_duration:6.1f} s  "
        f"transcribed in {wall:6.2f} s (CPU {cpu:6.2f} s)  RTF {rtf:.2f}, "
        f"CPU RTF {cpu / caption.audio_duration:.2f}  cues {caption.cues}"
    )
    if reference is not None:
        line += f"  WER {word_error_rate(reference, text):.2f}"
    print(line)
    print(f"    {text[:160]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="speech clip length")
    parser.add_argument(
        "--whisper-model",
        help="faster-whisper model directory (CTranslate2), or `synthetic`: the tests' model",
    )
    parser.add_argument("--language", default="en")
    parser.add_argument("--media", nargs="*", default=[], type=Path, help="more files to time")
    args = parser.parse_args()

    engines = [Transcribe(engine="pocketsphinx", language=args.language)]
    with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as tmp:
        work = Path(tmp)
        model = args.whisper_model
        if model == SYNTHETIC:
            model = str(make_whisper_model(work / "synthetic-whisper").path)
        if model:
            engines.append(Transcribe(engine="whisper", language=args.language, model_path=model))
        clip = make_speech_clip(work / "speech.mp4", text=PASSAGE, seconds=args.seconds)
        # the words spoken within the clip: the passage is cut at --seconds
        spoken = speech_seconds(PASSAGE, work / "full.wav")
        words = PASSAGE.split()
        reference = " ".join(words[: round(len(words) * min(1.0, args.seconds / spoken))])
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"{os.cpu_count()} CPUs, load average {load}")
        print(f"espeak-ng speech, {args.seconds:.0f} s (of {spoken:.0f} s spoken):")
        for options in engines:
            run_engine(options, clip, work, reference)
        if args.whisper_model == SYNTHETIC:
            print(
                "  (whisper: the tests' synthetic model, which writes a fixed script whatever "
                "the audio: its times are the runtime's overhead only, its WER means nothing; "
                "pass --whisper-model DIR with a real model for meaningful figures)"
            )
        if not args.whisper_model:
            print("  whisper      no model available: pass --whisper-model DIR (never downloaded)")
        for path in args.media:
            print(f"{path.name} (words unknown: no WER):")
            for options in engines:
                run_engine(options, path, work, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
