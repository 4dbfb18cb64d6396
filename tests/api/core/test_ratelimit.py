"""Rate limits (RATE_LIMITS): login, upload creation, unlock → 429 ``rate_limited`` with
the envelope and ``Retry-After``. Rates per hour so a window boundary cannot reset the
count mid-test; counters live in Django's cache, cleared around each test."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.core.test_envelope import assert_error
from tests.api.factories import make_video
from tests.api.uploads.conftest import TusClient

pytestmark = pytest.mark.django_db

PAIR = "/api/v1/auth/token/pair"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def assert_limited(response):
    body = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 3600
    return body


def test_login_counts_failed_and_successful_attempts(anon, user, settings):
    settings.RATE_LIMITS = {"login": "3/h"}
    good = {"username": "alice", "password": "pw-alice-1"}
    assert anon.post_json(PAIR, {"username": "alice", "password": "wrong"}).status_code == 401
    assert anon.post_json(PAIR, good).status_code == 200
    assert anon.post_json(PAIR, {"username": "nobody", "password": "x"}).status_code == 401
    # the 4th attempt is refused even with the right password
    assert_limited(anon.post_json(PAIR, good))


def test_login_limit_is_per_client_ip(anon, client_for, user, settings):
    settings.RATE_LIMITS = {"login": "1/h"}
    good = {"username": "alice", "password": "pw-alice-1"}
    assert anon.post_json(PAIR, good).status_code == 200
    assert_limited(anon.post_json(PAIR, good))
    elsewhere = client_for(REMOTE_ADDR="10.0.0.2")
    assert elsewhere.post_json(PAIR, good).status_code == 200


def test_no_limit_without_a_rate(anon, user, settings):
    settings.RATE_LIMITS = {}
    for _ in range(5):
        assert anon.post_json(PAIR, {"username": "alice", "password": "x"}).status_code == 401


def test_tus_upload_creation_is_limited_per_user(user, other_user, settings):
    settings.RATE_LIMITS = {"upload_create": "2/h"}
    videos = [make_video(user, status="draft", title=f"v{i}") for i in range(3)]
    tus = TusClient(user)
    assert tus.create(videos[0].id, 1000).status_code == 201
    assert tus.create(videos[1].id, 1000).status_code == 201
    limited = tus.create(videos[2].id, 1000)
    assert_limited(limited)
    assert limited["Tus-Resumable"] == "1.0.0"
    # another user (same IP) has its own counter
    bob_video = make_video(other_user, status="draft")
    assert TusClient(other_user).create(bob_video.id, 1000).status_code == 201


def test_unlock_is_limited(anon, user, settings):
    settings.RATE_LIMITS = {"unlock": "2/h"}
    video = make_video(user, visibility="password", password="s3cret")
    url = f"/api/v1/videos/{video.id}/unlock"
    assert_error(anon.post_json(url, {"password": "guess1"}), 403, "wrong_password")
    assert anon.post_json(url, {"password": "s3cret"}).status_code == 200
    assert_limited(anon.post_json(url, {"password": "s3cret"}))


def test_database_cache_keeps_the_counters_in_the_shared_table(anon, user, settings):
    """CACHE_BACKEND=database: the counters are rows of ``pod_cache``, which every API
    process and pod shares: the limit holds while the rows are there, and only then."""
    from django.core.management import call_command
    from django.db import connection

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pod_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    settings.RATE_LIMITS = {"login": "2/h"}
    wrong = {"username": "alice", "password": "x"}
    for _ in range(2):
        assert anon.post_json(PAIR, wrong).status_code == 401
    assert_limited(anon.post_json(PAIR, wrong))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pod_cache")
        assert cursor.rowcount >= 1
    assert anon.post_json(PAIR, wrong).status_code == 401
