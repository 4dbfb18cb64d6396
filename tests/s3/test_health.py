"""``/readyz`` with ``STORAGE_BACKEND=s3``: ready while the bucket answers."""

import pytest

from tests.s3.fixtures import use_s3

pytestmark = pytest.mark.django_db


def test_readyz_checks_the_bucket(anon, s3_media, settings):
    response = anon.get("/readyz")
    assert response.status_code == 200, response.json()
    settings.S3_BUCKET = "podv5-no-such-bucket"
    response = anon.get("/readyz")
    assert response.status_code == 503
    assert [e["code"] for e in response.json()["errors"]] == ["storage_unavailable"]


def test_readyz_is_503_when_the_server_is_down(anon, settings, monkeypatch, minio_factory):
    server = minio_factory()
    server.client().create_bucket(Bucket="podv5-health")
    use_s3(settings, monkeypatch, server, "podv5-health")
    assert anon.get("/readyz").status_code == 200
    server.kill()
    response = anon.get("/readyz")
    assert response.status_code == 503
    assert "podv5-health" in response.json()["errors"][0]["message"]
