"""Transcriptions, the API's side: the upload-time option, ``POST/GET
/api/v1/videos/{id}/transcriptions`` (permissions as the captions endpoints', 409 while
one runs), what a transcription job's end does to its video, and generated tracks that
replace generated tracks, never uploaded ones. (The real worker runs in
tests/api/pipeline/test_transcription_e2e.py.)"""

from __future__ import annotations

import base64
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from api.captions.models import Track, TrackKind
from api.captions.services import track_save
from api.core.errors import ValidationFailed
from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import encoding_job_create
from api.pipeline import services as pipeline
from api.pipeline.transcription import captions_import, upload_transcribe_option
from api.videos.models import VideoStatus
from podv5_contract.outputs import CaptionOutput
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db

VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nhello and welcome\n"


@pytest.fixture
def ready(user):
    video = make_video(user)
    video.source_name = f"{video.storage_prefix}source/lecture.mp4"
    video.save()
    return video


def url(video) -> str:
    return f"/api/v1/videos/{video.id}/transcriptions"


# --- the upload-time option ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "auto", "expected"),
    [
        (None, False, None),
        (None, True, ("pocketsphinx", "en")),
        ("on", False, ("pocketsphinx", "en")),
        ("OFF", True, None),
        ("en-GB", False, ("pocketsphinx", "en-GB")),
    ],
)
def test_the_upload_option_and_its_default(settings, value, auto, expected):
    settings.AUTO_TRANSCRIBE = auto
    metadata = {} if value is None else {"transcribe": value}
    options = upload_transcribe_option(metadata=metadata)
    assert (options and (options.engine, options.language)) == (expected or None)
    assert options is None or not options.only  # with the encode


@pytest.mark.parametrize(
    ("value", "code"), [("maybe", "validation_error"), ("fr", "transcription_language_unsupported")]
)
def test_a_bad_upload_option_is_refused(value, code):
    with pytest.raises(ValidationFailed) as info:
        upload_transcribe_option(metadata={"transcribe": value})
    assert (info.value.code, info.value.field) == (code, "Upload-Metadata.transcribe")


def test_tus_creation_answers_400_for_a_bad_option(alice):
    video = alice.post_json("/api/v1/videos", {"title": "T"}).json()["data"]
    pairs = {"video": video["id"], "filename": "a.mp4", "transcribe": "fr"}
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())
    response = alice.post(
        "/api/v1/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH="100",
        HTTP_UPLOAD_METADATA=metadata,
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["code"], error["field"]) == (
        "transcription_language_unsupported",
        "Upload-Metadata.transcribe",
    )


# --- POST/GET /videos/{id}/transcriptions --------------------------------------------------


def test_owner_starts_a_transcription_job_and_sees_it(alice, ready):
    response = alice.post_json(url(ready), {"language": "en-US"})
    assert response.status_code == 202, response.json()
    body = response.json()["data"]
    assert (body["phase"], body["engine"], body["language"], body["only"]) == (
        "Pending",
        "pocketsphinx",
        "en-US",
        True,
    )
    job = EncodingJob.objects.get(id=body["job_id"])
    assert job.spec["transcribe"] == {"engine": "pocketsphinx", "language": "en-US", "only": True}
    assert job.spec["source"].endswith("source/lecture.mp4")
    listed = alice.get(url(ready)).json()["data"]
    assert [t["job_id"] for t in listed] == [body["job_id"]]
    # its phase and progress show as the video's latest encoding job
    assert (
        alice.get(f"/api/v1/videos/{ready.id}").json()["data"]["encoding"]["job_id"]
        == (body["job_id"])
    )

    again = alice.post_json(url(ready), {})
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "transcription_running"


def test_whisper_jobs_carry_the_model_path_of_the_settings(alice, ready, settings):
    settings.TRANSCRIBE_WHISPER_MODEL_PATH = "/srv/media/models/whisper-small"
    body = alice.post_json(url(ready), {"engine": "whisper", "language": "fr"}).json()["data"]
    spec = EncodingJob.objects.get(id=body["job_id"]).spec["transcribe"]
    assert spec["modelPath"] == "/srv/media/models/whisper-small" and spec["language"] == "fr"


def test_who_may_ask(client_for, anon, other_user, staff_user, user):
    public = make_video(user)
    public.source_name = "x"
    public.save()
    private = make_video(user, visibility="private")
    assert anon.post_json(url(public), {}).status_code == 401
    assert client_for(other_user).post_json(url(public), {}).status_code == 403
    assert client_for(other_user).get(url(public)).status_code == 403
    assert client_for(other_user).post_json(url(private), {}).status_code == 404
    assert client_for(staff_user).post_json(url(public), {}).status_code == 202


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"language": "fr"}, 422, "transcription_language_unsupported"),
        ({"language": "not a tag"}, 422, "validation_error"),
        ({"engine": "vosk"}, 422, "validation_error"),
    ],
)
def test_bad_requests(alice, ready, payload, status, code):
    response = alice.post_json(url(ready), payload)
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code
    assert not EncodingJob.objects.exists()


def test_a_video_not_ready_cannot_be_transcribed(alice, user):
    video = make_video(user, status=VideoStatus.PROCESSING)
    video.source_name = "x"
    video.save()
    encoding_job_create(video=video)
    response = alice.post_json(url(video), {})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_state"


# --- a transcription job's end -------------------------------------------------------------


def test_a_failed_transcription_leaves_the_video_ready(alice, ready):
    job = EncodingJob.objects.get(id=alice.post_json(url(ready), {}).json()["data"]["job_id"])
    pipeline.encoding_job_lost(
        job_id=job.id, reason="transcription_model_missing", message="No model."
    )
    ready.refresh_from_db()
    job.refresh_from_db()
    assert ready.status == VideoStatus.READY and ready.error_code == ""
    assert (job.phase, job.reason) == (JobPhase.FAILED, "transcription_model_missing")
    (entry,) = alice.get(url(ready)).json()["data"]
    assert (entry["phase"], entry["reason"]) == ("Failed", "transcription_model_missing")


def _caption(prefix: str, text: str = VTT, cues: int = 1) -> CaptionOutput:
    default_storage.save(f"{prefix}captions/en.vtt", ContentFile(text.encode()))
    return CaptionOutput(
        path="captions/en.vtt",
        language="en",
        engine="pocketsphinx",
        cues=cues,
        audio_duration=2.0,
        size_bytes=len(text),
    )


def test_a_new_transcription_replaces_the_generated_track(ready):
    first = captions_import(video=ready, output_prefix="jobs/1/", captions=[_caption("jobs/1/")])
    (track,) = first
    assert (track.kind, track.lang, track.generated, track.generator) == (
        TrackKind.CAPTIONS,
        "en",
        True,
        "pocketsphinx",
    )
    assert track.label == "English (automatic)"
    newer = VTT.replace("hello", "goodbye")
    (again,) = captions_import(
        video=ready, output_prefix="jobs/2/", captions=[_caption("jobs/2/", newer)]
    )
    assert again.id == track.id and again.file_name != track.file_name
    assert default_storage.open(again.file_name).read().decode().endswith("goodbye and welcome\n")


def test_a_transcription_never_replaces_a_track_a_person_uploaded(ready):
    human, _ = track_save(
        video=ready, lang="en", kind=TrackKind.CAPTIONS, label="Mine", data=VTT.encode(), size=40
    )
    assert not human.generated
    assert (
        captions_import(video=ready, output_prefix="jobs/1/", captions=[_caption("jobs/1/")]) == []
    )
    kept = Track.objects.get(video=ready)
    assert (kept.id, kept.file_name, kept.label, kept.generated) == (
        human.id,
        human.file_name,
        "Mine",
        False,
    )


def test_no_track_for_silence_or_a_file_that_is_not_webvtt(ready):
    assert (
        captions_import(
            video=ready, output_prefix="jobs/1/", captions=[_caption("jobs/1/", cues=0)]
        )
        == []
    )
    bad = _caption("jobs/2/", "not a caption file")
    assert captions_import(video=ready, output_prefix="jobs/2/", captions=[bad]) == []
    assert not Track.objects.exists()


def test_a_live_recording_is_transcribed_when_auto_transcribe_is_on(user, settings):
    from tests.api.pipeline.test_services import make_event

    settings.AUTO_TRANSCRIBE = True
    event = make_event(user, record=True)
    path = settings.MEDIA_ROOT / "live" / str(event.id) / "recording.ts"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x47" * 188 * 10)
    video = pipeline.recording_received(event=event, uri=f"file://{path}")
    (job,) = EncodingJob.objects.filter(video=video)
    assert job.spec["transcribe"] == {"engine": "pocketsphinx", "language": "en", "only": False}


def test_a_reencode_makes_the_generated_captions_again(ready):
    assert pipeline.video_reencode(video=ready).spec.get("transcribe") is None
    EncodingJob.objects.all().delete()
    captions_import(video=ready, output_prefix="jobs/1/", captions=[_caption("jobs/1/")])
    job = pipeline.video_reencode(video=ready)
    assert job.spec["transcribe"] == {"engine": "pocketsphinx", "language": "en", "only": False}


def test_a_long_video_that_gets_captions_is_chunked_but_a_transcription_alone_is_not(
    ready, settings
):
    from api.encoding.services import build_spec
    from api.pipeline.transcription import transcribe_options

    settings.ENCODING_CHUNK_MIN_SECONDS = 60
    plain = build_spec(job_id=uuid.uuid4(), video=ready, duration=3600)
    assert plain.chunks and plain.chunks >= 2
    # the audio step of the chunked job makes the captions (podv5_media.encode.chunked)
    captioned = build_spec(
        job_id=uuid.uuid4(), video=ready, duration=3600, transcribe=transcribe_options()
    )
    assert captioned.chunks == plain.chunks and captioned.transcribe is not None
    # nothing to encode: no chunks to cut
    alone = build_spec(
        job_id=uuid.uuid4(), video=ready, duration=3600, transcribe=transcribe_options(only=True)
    )
    assert alone.chunks is None and alone.transcribe.only
