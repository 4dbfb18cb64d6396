"""Liveness and readiness endpoints, as a kubelet probe calls them."""

import pytest


@pytest.mark.django_db
def test_healthz_answers_whatever_the_host_header(anon):
    response = anon.get("/healthz", HTTP_HOST="10.244.3.7:8000")  # a pod IP, not allowed
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {"status": "alive"}, "errors": []}


@pytest.mark.django_db
def test_readyz_checks_database_and_storage(anon):
    response = anon.get("/readyz", HTTP_HOST="10.244.3.7:8000")
    assert response.status_code == 200
    assert response.json()["data"]["checks"] == ["database", "storage"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_is_503_when_storage_is_missing(anon, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-there"
    response = anon.get("/readyz")
    assert response.status_code == 503
    assert [e["code"] for e in response.json()["errors"]] == ["storage_unavailable"]


def test_readyz_is_503_when_the_database_is_unreachable(anon):
    # no database access for this test: the connection cannot be used (pytest-django
    # blocks it), which is what a database that does not answer looks like to the check
    response = anon.get("/readyz")
    assert response.status_code == 503
    assert "database_unavailable" in [e["code"] for e in response.json()["errors"]]


@pytest.mark.django_db
def test_other_methods_and_paths_go_through(anon):
    assert anon.post("/healthz").status_code == 404  # not ours: Django's 404, as JSON
    assert anon.get("/healthz/").status_code == 404
