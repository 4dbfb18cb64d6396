"""The transcription step of the real ``media-encode`` worker, on real speech: sentences
spoken by espeak-ng, muxed with a test pattern (``tests.speech``), transcribed by
PocketSphinx; and the failures a job reports with a stable reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podv5_contract.outputs import Manifest, TranscriptionManifest
from podv5_contract.transcribe import Transcribe
from podv5_media.transcribe import TranscribeConfig, Transcriber
from podv5_media.transcribe.audio import decode_pcm
from tests.speech import SENTENCES, make_speech_clip, parse_webvtt, word_error_rate

pytestmark = pytest.mark.media

#: measured on this clip (espeak-ng 1.51, pocketsphinx 5.0 en-us): 0.38
MAX_WER = 0.5
SECONDS = 10.0


@pytest.fixture(scope="module")
def speech_clip(tmp_path_factory) -> Path:
    return make_speech_clip(tmp_path_factory.mktemp("speech") / "speech.mp4", seconds=SECONDS)


def _transcript(cues) -> str:
    return " ".join(c.text for c in cues)


def test_a_transcription_only_job_makes_captions_of_the_speech(
    run_worker, speech_clip, callback_receiver
):
    run = run_worker(
        speech_clip, callback=callback_receiver, transcribe={"language": "en", "only": True}
    )
    assert run.returncode == 0, run.stderr
    manifest = TranscriptionManifest.model_validate(
        json.loads((run.output_dir / "manifest.json").read_text())
    )
    (caption,) = manifest.captions
    assert (caption.path, caption.language, caption.engine) == (
        "captions/en.vtt",
        "en",
        "pocketsphinx",
    )
    # nothing but the captions: no ladder, no poster
    files = sorted(p.relative_to(run.output_dir).as_posix() for p in run.output_dir.rglob("*"))
    assert files == ["captions", "captions/en.vtt", "manifest.json"]

    cues = parse_webvtt((run.output_dir / caption.path).read_text())
    assert len(cues) == caption.cues >= 2
    assert all(0 <= c.start < c.end <= SECONDS for c in cues)
    wer = word_error_rate(SENTENCES, _transcript(cues))
    print(f"\npocketsphinx WER {wer:.2f}: {_transcript(cues)!r}")
    assert wer <= MAX_WER

    # the API hears of it as of any job: running, progress, succeeded with the manifest
    types = [r.type for r in callback_receiver.accepted]
    assert types[0] == "encoding.running" and types[-1] == "encoding.succeeded"
    assert "encoding.progress" in types
    assert callback_receiver.events("encoding.succeeded")[0].data["manifest"]["captions"]


def test_captions_come_with_the_encode(run_worker, speech_clip):
    run = run_worker(speech_clip, transcribe={"engine": "pocketsphinx"})
    assert run.returncode == 0, run.stderr
    manifest = Manifest.model_validate(json.loads((run.output_dir / "manifest.json").read_text()))
    assert manifest.hls.renditions and manifest.poster
    (caption,) = manifest.captions
    assert caption.cues > 0 and (run.output_dir / caption.path).is_file()
    assert manifest.total_size_bytes > caption.size_bytes


def test_the_engine_reports_progress_through_the_audio(speech_clip, tmp_path):
    seen: list[float] = []
    transcriber = Transcriber(Transcribe(), TranscribeConfig())
    caption = transcriber.run(speech_clip, tmp_path, duration=SECONDS, on_progress=seen.append)
    assert caption.audio_duration == pytest.approx(SECONDS, abs=0.1)
    assert seen and seen == sorted(seen) and 50 < seen[-1] <= 100
    # the audio the engines get: 16 kHz mono, the clip's length
    assert len(decode_pcm(speech_clip)) == pytest.approx(16000 * SECONDS, rel=0.01)


def _failed(run, receiver) -> dict:
    assert run.returncode == 1, run.stderr
    (event,) = receiver.events("encoding.failed")
    assert not run.output_dir.exists()  # nothing published
    return event.data


def test_a_missing_whisper_model_fails_the_job_before_the_encode(
    run_worker, speech_clip, callback_receiver, tmp_path
):
    empty = tmp_path / "models" / "whisper-small"
    empty.mkdir(parents=True)  # a volume mounted without the model in it
    run = run_worker(
        speech_clip,
        callback=callback_receiver,
        transcribe={"engine": "whisper", "modelPath": str(empty)},
    )
    data = _failed(run, callback_receiver)
    assert data["reason"] == "transcription_model_missing"
    assert "model.bin" in data["message"] and str(empty) not in data["message"]
    assert "encoded in" not in run.stderr  # failed fast: no encode was run


def test_whisper_without_any_model_path_fails_with_the_same_reason(
    run_worker, speech_clip, callback_receiver, monkeypatch
):
    monkeypatch.delenv("TRANSCRIBE_WHISPER_MODEL_PATH", raising=False)
    run = run_worker(
        speech_clip, callback=callback_receiver, transcribe={"engine": "whisper", "only": True}
    )
    data = _failed(run, callback_receiver)
    assert data["reason"] == "transcription_model_missing"
    assert "TRANSCRIBE_WHISPER_MODEL_PATH" in data["message"]


def test_a_language_the_engine_lacks_fails_the_job(run_worker, speech_clip, callback_receiver):
    run = run_worker(
        speech_clip, callback=callback_receiver, transcribe={"language": "fr", "only": True}
    )
    assert _failed(run, callback_receiver)["reason"] == "transcription_language_unsupported"


def test_transcribing_a_source_without_audio_fails_but_its_encode_does_not(
    run_worker, make_clip, callback_receiver
):
    silent = make_clip("video_only")
    run = run_worker(silent, callback=callback_receiver, transcribe={"only": True})
    assert _failed(run, callback_receiver)["reason"] == "transcription_no_audio"
    # with the encode: the video is encoded, without captions
    run = run_worker(silent, transcribe={})
    assert run.returncode == 0, run.stderr
    assert json.loads((run.output_dir / "manifest.json").read_text())["captions"] == []


def test_segments_follow_a_cut_onto_the_output_timeline():
    from fractions import Fraction

    from podv5_media.encode.captions import edited_timeline
    from podv5_media.encode.edit import EditPlan
    from podv5_media.transcribe import Segment

    # kept: 2-4 s and 6-10 s of the source (the output is 6 s long)
    plan = EditPlan(kept=((2.0, 4.0), (6.0, 10.0)), frame_rate=Fraction(25))
    remap = edited_timeline(plan)
    assert remap(Segment(2.5, 3.5, "kept")) == Segment(0.5, 1.5, "kept")
    assert remap(Segment(7.0, 8.0, "later")) == Segment(3.0, 4.0, "later")
    assert remap(Segment(0.5, 1.5, "trimmed")) is None
    assert remap(Segment(4.2, 5.8, "removed")) is None
    over = remap(Segment(1.0, 3.0, "over the trim"))  # its kept part stays
    assert over.start == 0.0 and over.end == pytest.approx(1.0, abs=0.002)
    assert edited_timeline(None) is None


def test_a_trimmed_video_gets_captions_on_its_own_timeline(run_worker, speech_clip):
    run = run_worker(speech_clip, transcribe={"only": True}, edit={"trim": {"start": 4.5}})
    assert run.returncode == 0, run.stderr
    manifest = TranscriptionManifest.model_validate(
        json.loads((run.output_dir / "manifest.json").read_text())
    )
    assert manifest.duration == pytest.approx(SECONDS - 4.5, abs=0.1)
    cues = parse_webvtt((run.output_dir / manifest.captions[0].path).read_text())
    assert cues and all(0 <= c.start < c.end <= manifest.duration for c in cues)
    assert "books" in _transcript(cues)  # the last sentence, 6-9 s of the source


def test_a_chunked_job_makes_the_captions_a_one_pass_job_makes(run_worker, speech_clip):
    """The same job in one pass and in 3 chunks (the local way: every step a child
    process, then the join): the chunked job's audio step transcribes the whole source,
    and the caption track lands in the output and the manifest exactly as in one pass."""
    options = {"engine": "pocketsphinx", "language": "en"}
    single = run_worker(speech_clip, transcribe=options)
    chunked = run_worker(speech_clip, transcribe=options, chunks=3)
    assert single.returncode == 0, single.stderr
    assert chunked.returncode == 0, chunked.stderr
    one = Manifest.model_validate(json.loads((single.output_dir / "manifest.json").read_text()))
    joined = Manifest.model_validate(json.loads((chunked.output_dir / "manifest.json").read_text()))
    assert [r.name for r in joined.hls.renditions] == [r.name for r in one.hls.renditions]
    (caption,) = joined.captions
    assert joined.captions == one.captions  # path, language, engine, cues, size, duration
    text = (chunked.output_dir / caption.path).read_text()
    assert text == (single.output_dir / caption.path).read_text()
    cues = parse_webvtt(text)
    assert len(cues) == caption.cues >= 2 and all(0 <= c.start < c.end <= SECONDS for c in cues)
    assert word_error_rate(SENTENCES, _transcript(cues)) <= MAX_WER  # the words came back
    files = {p.relative_to(chunked.output_dir).as_posix() for p in chunked.output_dir.rglob("*")}
    assert "captions/en.vtt" in files and not any(f.startswith("chunks") for f in files)
    sizes = sum(p.stat().st_size for p in chunked.output_dir.rglob("*") if p.is_file())
    assert joined.total_size_bytes <= sizes and joined.total_size_bytes > caption.size_bytes


def test_a_chunked_job_whose_transcription_fails_fails_and_publishes_nothing(
    run_worker, speech_clip, callback_receiver
):
    run = run_worker(
        speech_clip, callback=callback_receiver, transcribe={"language": "fr"}, chunks=3
    )
    assert run.returncode == 1, run.stderr
    # the audio step's own reason first (the job's step failure after it: same webhook-id)
    failed = callback_receiver.events("encoding.failed")
    assert failed and failed[0].data["reason"] == "transcription_language_unsupported"
    # nothing published, the steps' outputs gone (a step that finished first may leave
    # the empty output folder)
    assert not [p for p in run.output_dir.rglob("*") if p.is_file()]
