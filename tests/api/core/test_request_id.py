"""The request id: taken from X-Request-ID (or made), answered back, on the log lines of the
request, and carried by an upload's encode into its EncodingJob, the Job manifest the
operator builds for it, and the worker's own log lines."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tusclient import client as tus_client

from api.encoding.backends import get_backend
from api.encoding.models import EncodingJob
from api.videos.models import VideoStatus
from podv5_contract.logs import RequestIdFilter, make_formatter
from podv5_contract.spec import EncodingJobSpec
from podv5_operator.config import OperatorConfig
from podv5_operator.k8s.encode import build_job
from tests.api.factories import make_video
from tests.conftest import bearer, make_clip

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.django_db
def test_a_well_formed_request_id_is_answered_back(anon):
    response = anon.get("/api/v1/videos", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert anon.get("/healthz", HTTP_X_REQUEST_ID="lb:7f/9=")["X-Request-ID"] == "lb:7f/9="


@pytest.mark.django_db
def test_without_one_a_fresh_id_is_made_per_request(anon):
    first, second = anon.get("/healthz")["X-Request-ID"], anon.get("/healthz")["X-Request-ID"]
    assert GENERATED.match(first) and GENERATED.match(second) and first != second


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["abc 123", "<script>alert(1)</script>", "x" * 129, "ab\tc", "id;drop", "é"]
)
def test_a_malformed_request_id_is_replaced_not_echoed(anon, bad):
    response = anon.get("/api/v1/videos/not-a-uuid", HTTP_X_REQUEST_ID=bad)
    assert response.status_code == 404  # error responses carry it too
    assert response["X-Request-ID"] != bad
    assert GENERATED.match(response["X-Request-ID"])


def test_the_log_lines_of_a_request_carry_its_id(anon):
    # the handler as settings.LOGGING builds it with LOG_FORMAT=json
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(make_formatter("json"))
    health_logger = logging.getLogger("api.core.health")
    health_logger.addHandler(handler)
    try:
        # no database for this test: the readiness check logs a warning, as it would
        # for a database that does not answer
        response = anon.get("/readyz", HTTP_X_REQUEST_ID="abc-123")
    finally:
        health_logger.removeHandler(handler)
    assert response.status_code == 503
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert records, "the readiness check logged nothing"
    for record in records:
        assert record["request_id"] == "abc-123"
        assert record["level"] == "WARNING" and record["logger"] == "api.core.health"
        assert "database check failed" in record["message"]


@pytest.mark.django_db
def test_django_logs_of_error_responses_carry_the_id_too(anon):
    """django.request logs 4xx/5xx responses after the middlewares have returned."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(make_formatter("text"))
    django_logger = logging.getLogger("django.request")
    django_logger.addHandler(handler)
    try:
        assert anon.get("/api/v1/videos", HTTP_X_REQUEST_ID="req-401").status_code == 401
        assert anon.get("/healthz").status_code == 200  # logs nothing
    finally:
        django_logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "[req-401]: Unauthorized: /api/v1/videos" in lines[0]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "after", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"  # forgotten once the response was closed


def test_outside_a_request_the_id_is_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"
    assert "[-]: hello" in make_formatter("text").format(record)


@pytest.mark.media
def test_the_request_id_travels_into_the_encode(live_api, user, tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")  # the worker subprocess logs JSON lines
    clip = make_clip(tmp_path / "talk.mp4", seconds=1)
    token = bearer(user)
    video = {"id": str(make_video(user, status=VideoStatus.DRAFT, title="Talk").id)}
    uploader = tus_client.TusClient(
        f"{live_api.url}/api/v1/uploads/",
        headers={"Authorization": token, "X-Request-ID": "abc-123"},
    ).uploader(str(clip), metadata={"video": video["id"], "filename": "talk.mp4"})
    uploader.upload()  # its last byte starts the encode
    get_backend().wait_idle(timeout=300)

    job = EncodingJob.objects.get(video_id=video["id"])
    assert job.spec["requestId"] == "abc-123"
    assert job.phase == "Succeeded", job.message

    # the operator's Job for that spec puts it in the worker pod's environment
    manifest = build_job(
        spec=EncodingJobSpec.model_validate(job.spec),
        config=OperatorConfig(worker_log_format="json"),
        name="ej-1",
        namespace="media",
        uid="0d7c4c4e-2b53-4c55-9a52-1d2b7f0f6a11",
    )
    env = manifest["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "POD_REQUEST_ID", "value": "abc-123"} in env
    assert {"name": "LOG_FORMAT", "value": "json"} in env

    # the real worker ran as a subprocess (local backend): its log lines carry the id
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    worker = [
        record
        for record in map(json.loads, lines)
        if record.get("logger", "").startswith("podv5_media")
    ]
    assert worker, "no JSON log line from the worker"
    assert {record["request_id"] for record in worker} == {"abc-123"}


@pytest.mark.parametrize(
    ("given", "logged"), [("abc-123", "abc-123"), ("bad id;", "-"), (None, "-")]
)
def test_worker_log_lines_carry_the_pod_request_id(tmp_path, given, logged):
    """``media-encode`` as the Job runs it: POD_REQUEST_ID (if well formed) on its lines."""
    env = {k: v for k, v in os.environ.items() if k not in ("POD_REQUEST_ID", "LOG_FORMAT")}
    env["LOG_FORMAT"] = "json"
    if given:
        env["POD_REQUEST_ID"] = given
    missing = tmp_path / "nope.json"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "media-encode"), "--spec", str(missing)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2  # the spec file does not exist: a usage error
    [record] = [json.loads(line) for line in result.stderr.splitlines()]
    assert record["request_id"] == logged
    assert record["level"] == "ERROR" and "bad --spec" in record["message"]
    assert record["logger"] == "podv5_media.encode"


def test_a_job_without_request_id_has_no_env_entry():
    spec = EncodingJobSpec(
        job_id="6f1c1c9e-0d4c-4a5e-8f59-1c7b8a5e2f10",
        video_id="1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
        source="file:///media/src.mp4",
        output="file:///media/out/",
        ladder=[{"name": "360p", "height": 360, "video_kbps": 800, "audio_kbps": 96}],
    )
    assert "requestId" not in spec.to_wire()
    manifest = build_job(spec=spec, config=OperatorConfig(), name="a", namespace="b", uid="c")
    names = [e["name"] for e in manifest["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert "POD_REQUEST_ID" not in names


def test_the_spec_refuses_a_malformed_request_id():
    with pytest.raises(ValueError, match="request_?[iI]d"):
        EncodingJobSpec.model_validate(
            {
                "jobId": "6f1c1c9e-0d4c-4a5e-8f59-1c7b8a5e2f10",
                "videoId": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                "source": "file:///media/src.mp4",
                "output": "file:///media/out/",
                "ladder": [{"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96}],
                "requestId": "not ok\n",
            }
        )
