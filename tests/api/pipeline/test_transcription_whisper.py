"""What the whisper engine writes becomes the video's generated captions track: the real
faster-whisper engine (``podv5_media.transcribe``, as the worker runs it) on espeak-ng
speech, its file stored by ``captions_import`` (checked as WebVTT by the captions app).

The model is the synthetic one of ``tests/whisper_model.py`` (no Whisper checkpoint can be
fetched here): it writes a fixed script whatever the audio, so this shows the engine's
output is a valid track, not recognition quality. (The worker's side:
tests/podv5_media/transcribe/test_whisper.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from api.captions.models import TrackKind
from api.pipeline.transcription import captions_import
from podv5_contract.transcribe import Transcribe
from podv5_media.transcribe import TranscribeConfig, Transcriber
from tests.api.factories import make_video
from tests.speech import make_speech_clip, parse_webvtt
from tests.whisper_model import make_whisper_model

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def test_whisper_captions_become_the_videos_generated_track(user, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = make_whisper_model(tmp_path / "model")
    clip = make_speech_clip(tmp_path / "speech.mp4", text="Hello everyone.", seconds=6, delay=1)
    video = make_video(user)
    prefix = f"{video.storage_prefix}jobs/1/"  # where a job's outputs land

    options = Transcribe(engine="whisper", language="en", model_path=str(model.path))
    caption = Transcriber(options, TranscribeConfig(threads=1)).run(
        clip, Path(settings.MEDIA_ROOT) / prefix, duration=6.0
    )
    (track,) = captions_import(video=video, output_prefix=prefix, captions=[caption])

    assert (track.kind, track.lang, track.generated, track.generator) == (
        TrackKind.CAPTIONS,
        "en",
        True,
        "whisper",
    )
    assert track.label == "English (automatic)"
    with default_storage.open(track.file_name) as stored:
        cues = parse_webvtt(stored.read().decode())
    assert " ".join(c.text for c in cues) == model.text
    assert all(0 <= c.start < c.end <= 6.0 for c in cues)
