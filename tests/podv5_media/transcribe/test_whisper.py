"""The faster-whisper engine run for real: the real CTranslate2 runtime and faster-whisper
(Silero VAD from its package assets, feature extraction, beam search with Whisper's
timestamp rules, int8 weights), through ``WhisperEngine`` and through the real
``media-encode`` worker, on espeak-ng speech that starts after a silence.

What is synthetic, and why: the model's weights (``tests.whisper_model``). No Whisper
checkpoint can be fetched here (no Hugging Face access, none on PyPI), so a tiny
English-only CTranslate2 Whisper model is built at test time whose decoder writes a fixed
script (``SCRIPT``, two timed sentences) whatever the audio; Hugging Face Hub access is
switched off (``HF_HUB_OFFLINE=1``) while it runs. What these tests therefore do NOT show:
recognition quality (``bench/transcribe.py --whisper-model DIR`` measures that with a real
model). What they show: a model directory loads offline, a language it lacks is refused,
the model's tokens and timestamps become cues on the source's timeline (VAD cuts restored),
in a WebVTT file listed in the job's manifest.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from podv5_contract.outputs import TranscriptionManifest
from podv5_contract.transcribe import Transcribe
from podv5_media.ffmpeg import find_ffmpeg
from podv5_media.transcribe import TranscribeConfig, Transcriber, TranscriptionError
from podv5_media.transcribe.audio import decode_pcm
from podv5_media.transcribe.whisper import WhisperEngine
from tests.speech import make_speech_clip, parse_webvtt
from tests.whisper_model import SyntheticWhisper, make_whisper_model

pytestmark = pytest.mark.media

SECONDS = 10.0
#: the speech starts after this much silence, seconds
DELAY = 3.0
#: Silero VAD's padding around speech (faster-whisper's ``speech_pad_ms``: 400 ms) and
#: where espeak-ng's first phoneme falls: a cue starts this close before the speech
VAD_PAD = 1.0
SPEECH = "The quick brown fox jumps over the lazy dog. Please open your books at chapter seven."


@pytest.fixture(scope="session")
def whisper_model(tmp_path_factory) -> SyntheticWhisper:
    """The synthetic model (see the module doc), with the Hugging Face Hub switched off for
    the session (the workers the tests start inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield make_whisper_model(tmp_path_factory.mktemp("whisper") / "synthetic-tiny.en")


@pytest.fixture(scope="module")
def late_speech(tmp_path_factory) -> Path:
    """10 s: 3 s of silence, ~5 s of speech, silence."""
    path = tmp_path_factory.mktemp("speech") / "late.mp4"
    return make_speech_clip(path, text=SPEECH, seconds=SECONDS, delay=DELAY)


@pytest.fixture(scope="module")
def silence(tmp_path_factory) -> Path:
    """4 s of digital silence (an audio track without speech)."""
    path = tmp_path_factory.mktemp("silence") / "silence.m4a"
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "anullsrc=r=48000:cl=mono", "-t", "4", "-c:a", "aac", str(path)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return path


def _expected(model: SyntheticWhisper) -> list[str]:
    return [" ".join(text.split()) for _s, _e, text in model.script]


def test_the_engine_turns_the_models_tokens_into_segments_on_the_sources_timeline(
    whisper_model, late_speech
):
    engine = WhisperEngine(str(whisper_model.path), "en-GB", threads=1)
    assert engine.language == "en"
    seen: list[float] = []
    segments = list(engine.transcribe(decode_pcm(late_speech), seen.append))

    assert [s.text for s in segments] == _expected(whisper_model)
    # the model's timestamps count from the speech VAD kept; the engine's from the source
    first = segments[0]
    assert DELAY - VAD_PAD < first.start <= DELAY
    for segment, (start, end, _text) in zip(segments, whisper_model.script, strict=True):
        assert segment.start - first.start == pytest.approx(start, abs=0.02)
        assert segment.end - segment.start == pytest.approx(end - start, abs=0.02)
    # progress: each segment's end, in seconds of the source
    assert seen == [s.end for s in segments] and all(0 < t <= SECONDS for t in seen)


def test_a_language_the_model_lacks_is_refused(whisper_model):
    with pytest.raises(TranscriptionError) as refused:
        WhisperEngine(str(whisper_model.path), "fr", threads=1)
    assert refused.value.reason == "transcription_language_unsupported"
    assert "'fr'" in str(refused.value)


def test_a_model_directory_without_its_tokenizer_is_refused(whisper_model, tmp_path):
    # faster-whisper would download openai/whisper-tiny's tokenizer in its place
    partial = tmp_path / "partial"
    shutil.copytree(whisper_model.path, partial, ignore=shutil.ignore_patterns("tokenizer.json"))
    with pytest.raises(TranscriptionError) as refused:
        WhisperEngine(str(partial), "en")
    assert refused.value.reason == "transcription_model_missing"
    assert "tokenizer.json missing" in str(refused.value)


def test_a_model_that_does_not_load_is_refused(whisper_model, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(whisper_model.path, broken)
    data = (broken / "model.bin").read_bytes()
    (broken / "model.bin").write_bytes(data[: len(data) // 2])  # a copy cut short
    with pytest.raises(TranscriptionError) as refused:
        WhisperEngine(str(broken), "en")
    assert refused.value.reason == "transcription_model_missing"
    assert "Cannot load the whisper model" in str(refused.value)


def test_silence_makes_a_caption_file_without_cues(whisper_model, silence, tmp_path):
    options = Transcribe(engine="whisper", language="en", model_path=str(whisper_model.path))
    caption = Transcriber(options, TranscribeConfig(threads=1)).run(silence, tmp_path, duration=4.0)
    assert (caption.engine, caption.cues) == ("whisper", 0)
    assert parse_webvtt((tmp_path / caption.path).read_text()) == []


def test_a_transcription_only_job_with_whisper_makes_captions(
    run_worker, whisper_model, late_speech, callback_receiver, monkeypatch
):
    monkeypatch.setenv("MEDIA_ENCODE_THREADS", "1")
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # the worker cannot reach the Hub
    run = run_worker(
        late_speech,
        callback=callback_receiver,
        transcribe={"engine": "whisper", "modelPath": str(whisper_model.path), "only": True},
    )
    assert run.returncode == 0, run.stderr
    manifest = TranscriptionManifest.model_validate(
        json.loads((run.output_dir / "manifest.json").read_text())
    )
    (caption,) = manifest.captions
    assert (caption.path, caption.language, caption.engine) == ("captions/en.vtt", "en", "whisper")
    assert caption.audio_duration == pytest.approx(SECONDS, abs=0.1)

    cues = parse_webvtt((run.output_dir / caption.path).read_text())
    assert [c.text for c in cues] == _expected(whisper_model) and caption.cues == len(cues)
    assert all(0 <= c.start < c.end <= manifest.duration for c in cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))  # in order, no overlap
    assert DELAY - VAD_PAD < cues[0].start <= DELAY

    types = [r.type for r in callback_receiver.accepted]
    assert types[0] == "encoding.running" and types[-1] == "encoding.succeeded"
    assert "encoding.progress" in types
    (succeeded,) = callback_receiver.events("encoding.succeeded")
    assert succeeded.data["manifest"]["captions"][0]["engine"] == "whisper"


def test_a_whisper_job_in_a_language_the_model_lacks_fails(
    run_worker, whisper_model, late_speech, callback_receiver
):
    run = run_worker(
        late_speech,
        callback=callback_receiver,
        transcribe={
            "engine": "whisper",
            "language": "de",
            "modelPath": str(whisper_model.path),
            "only": True,
        },
    )
    assert run.returncode == 1, run.stderr
    (failed,) = callback_receiver.events("encoding.failed")
    assert failed.data["reason"] == "transcription_language_unsupported"
    assert not run.output_dir.exists()  # nothing published
