"""Quota limits: the default (USER_QUOTA_SIZE_GB), per affiliation
(USER_QUOTA_AFFILIATION_GB), per user (``quota_bytes``), 0 for unlimited; usage from
the bytes stored for the videos a user owns; both on ``GET /users/me``."""

from __future__ import annotations

import pytest

from api.accounts.models import User
from tests.api.factories import make_video
from tests.api.test_settings import load_settings
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def me_quota(user) -> dict:
    response = ApiClient(user).get("/api/v1/users/me")
    assert response.status_code == 200
    return response.json()["data"]["quota"]


@pytest.mark.parametrize(
    ("default_gb", "by_affiliation", "affiliation", "own", "limit"),
    [
        (0, {}, "", None, None),  # nothing set: unlimited
        (2, {}, "", None, 2 * 10**9),
        (0.25, {}, "student", None, 250_000_000),  # fractions of a GB
        (2, {"student": 0.5}, "student", None, 500_000_000),
        (2, {"student": 0.5}, "faculty", None, 2 * 10**9),
        (2, {"faculty": 0}, "faculty", None, None),  # 0 for an affiliation: unlimited
        (2, {"student": 0.5}, "student", 123, 123),  # the user's own wins
        (2, {"student": 0.5}, "student", 0, None),  # 0 for a user: unlimited
    ],
)
def test_the_limit_that_applies(settings, default_gb, by_affiliation, affiliation, own, limit):
    settings.USER_QUOTA_SIZE_GB = default_gb
    settings.USER_QUOTA_AFFILIATION_GB = by_affiliation
    user = User.objects.create_user("q", affiliation=affiliation, quota_bytes=own)
    assert me_quota(user) == {"used_bytes": 0, "limit_bytes": limit}


def test_usage_counts_sources_and_outputs_of_owned_videos_only(user, other_user):
    encoded = make_video(user)
    encoded.source_size, encoded.output_size = 5_000, 12_345
    encoded.save()
    failed = make_video(user, status="failed")
    failed.source_size = 700  # a source whose encoding failed is still stored
    failed.save()
    make_video(user, status="draft")  # nothing stored yet
    co_owned = make_video(other_user, co_owners=[user])
    co_owned.source_size, co_owned.output_size = 10**6, 10**6
    co_owned.save()
    assert me_quota(user)["used_bytes"] == 5_000 + 12_345 + 700
    assert me_quota(other_user)["used_bytes"] == 2 * 10**6
    ApiClient(user).delete(f"/api/v1/videos/{encoded.id}")
    assert me_quota(user)["used_bytes"] == 700


def test_quota_settings_are_read_from_the_environment(tmp_path):
    code = "print(s.USER_QUOTA_SIZE_GB, sorted(s.USER_QUOTA_AFFILIATION_GB.items()))"
    result = load_settings(
        tmp_path,
        code,
        DEBUG="1",
        USER_QUOTA_SIZE_GB="10",
        USER_QUOTA_AFFILIATION_GB=" student:2, faculty:0.5 ,staff:0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("10.0 [('faculty', 0.5), ('staff', 0.0), ('student', 2.0)]")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("USER_QUOTA_SIZE_GB", "-1", "USER_QUOTA_SIZE_GB must be a number >= 0"),
        ("USER_QUOTA_SIZE_GB", "10GB", "USER_QUOTA_SIZE_GB must be a number"),
        ("USER_QUOTA_AFFILIATION_GB", "student=5", "USER_QUOTA_AFFILIATION_GB must be comma"),
        ("USER_QUOTA_AFFILIATION_GB", "student:lots", "got 'student:lots'"),
        ("USER_QUOTA_AFFILIATION_GB", "student:-1", "got 'student:-1'"),
        ("USER_QUOTA_AFFILIATION_GB", ":5", "got ':5'"),
        ("USER_QUOTA_AFFILIATION_GB", "student:inf", "got 'student:inf'"),
    ],
)
def test_a_bad_quota_setting_stops_the_start(tmp_path, name, value, message):
    result = load_settings(tmp_path, DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
