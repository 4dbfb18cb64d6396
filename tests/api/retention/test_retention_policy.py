"""A new video's deletion date follows the policy (years after creation, longer for some
affiliations) and its owners see it in the video's representation."""

from __future__ import annotations

from datetime import date

from api.retention.models import VideoRetention
from api.retention.policy import add_years, local_day
from tests.api.factories import make_video


def test_new_video_gets_the_default_years(policy_settings, alice, user):
    created = alice.post_json("/api/v1/videos", {"title": "Course"})
    assert created.status_code == 201, created.content
    video = created.json()["data"]
    row = VideoRetention.objects.get(video_id=video["id"])
    today = local_day(row.video.created_at)
    assert row.deletion_date == add_years(today, 2)
    assert video["retention"] == {
        "deletion_date": add_years(today, 2).isoformat(),
        "purge_date": (row.purge_date).isoformat(),
        "state": "active",
    }


def test_affiliation_years_are_longer(policy_settings, django_user_model, client_for):
    teacher = django_user_model.objects.create_user(
        "prof", "prof@univ.example", "pw-prof-1", can_upload=True, affiliation="faculty"
    )
    video = client_for(teacher).post_json("/api/v1/videos", {"title": "Lecture"}).json()["data"]
    row = VideoRetention.objects.get(video_id=video["id"])
    assert row.deletion_date == add_years(local_day(row.video.created_at), 3)


def test_a_shorter_affiliation_setting_never_shortens(policy_settings, django_user_model):
    policy_settings.RETENTION_AFFILIATION_YEARS = {"student": 1}
    student = django_user_model.objects.create_user(
        "stu", "stu@univ.example", "pw-stu-1", can_upload=True, affiliation="student"
    )
    video = make_video(student)
    assert video.retention.deletion_date == add_years(local_day(video.created_at), 2)


def test_only_editors_see_the_retention(policy_settings, user, other_user, client_for, anon):
    video = make_video(user, co_owners=[other_user])  # public, published
    owner_view = client_for(user).get(f"/api/v1/videos/{video.id}").json()["data"]
    co_owner_view = client_for(other_user).get(f"/api/v1/videos/{video.id}").json()["data"]
    assert owner_view["retention"]["state"] == "active"
    assert co_owner_view["retention"] == owner_view["retention"]
    assert anon.get(f"/api/v1/videos/{video.id}").json()["data"]["retention"] is None
    listed = client_for(user).get("/api/v1/videos").json()["data"]["items"]
    assert listed[0]["retention"]["deletion_date"] == owner_view["retention"]["deletion_date"]


def test_29_february_plus_years_is_28_february():
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
