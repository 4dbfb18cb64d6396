"""``GET /videos/{id}/retention`` and ``POST /videos/{id}/retention/extend``: the policy
bounds for owners, any date for staff, and who may call them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from api.retention.models import VideoRetention
from api.retention.policy import add_years
from api.retention.services import retention_tick
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


def extend_url(video) -> str:
    return f"/api/v1/videos/{video.id}/retention/extend"


@pytest.fixture
def today():
    return timezone.localdate()


def test_owner_extends_within_policy(policy_settings, user, alice, today):
    video = make_video(user)
    wanted = add_years(today, 4)
    response = alice.post_json(extend_url(video), {"deletion_date": wanted.isoformat()})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["deletion_date"] == wanted.isoformat()
    assert data["state"] == "active" and data["warned_days"] is None
    assert data["extend_max_date"] == add_years(today, 5).isoformat()
    assert data["warning_days"] == [60, 30, 7]
    assert VideoRetention.objects.get(video=video).deletion_date == wanted
    shown = alice.get(f"/api/v1/videos/{video.id}").json()["data"]["retention"]
    assert shown["deletion_date"] == wanted.isoformat()


def test_default_extension_is_the_policy_years_from_today(policy_settings, user, alice, today):
    video = make_video(user)
    response = alice.post_json(extend_url(video), {})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["deletion_date"] == add_years(today, 2).isoformat()


def test_over_policy_is_refused_with_a_stable_code(policy_settings, user, alice, today):
    video = make_video(user)
    before = VideoRetention.objects.get(video=video).deletion_date
    too_far = add_years(today, 5) + timedelta(days=1)
    response = alice.post_json(extend_url(video), {"deletion_date": too_far.isoformat()})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "retention_limit_exceeded"
    assert error["field"] == "deletion_date"
    assert add_years(today, 5).isoformat() in error["message"]
    assert VideoRetention.objects.get(video=video).deletion_date == before  # unchanged


@pytest.mark.parametrize("days", [0, -1])
def test_owner_cannot_pick_today_or_the_past(policy_settings, user, alice, today, days):
    video = make_video(user)
    day = today + timedelta(days=days)
    response = alice.post_json(extend_url(video), {"deletion_date": day.isoformat()})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "validation_error"


@pytest.mark.parametrize(
    "body", [{"deletion_date": "2030-02-30"}, {"deletion_date": 12}, {"deletion_date": "soon"}]
)
def test_malformed_bodies(policy_settings, user, alice, body):
    video = make_video(user)
    response = alice.post_json(extend_url(video), body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "validation_error"


def test_staff_may_set_any_date(policy_settings, user, staff_user, client_for, today):
    video = make_video(user)
    staff = client_for(staff_user)
    far = add_years(today, 40)
    response = staff.post_json(extend_url(video), {"deletion_date": far.isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["extend_max_date"] is None
    yesterday = today - timedelta(days=1)
    response = staff.post_json(extend_url(video), {"deletion_date": yesterday.isoformat()})
    assert response.status_code == 200
    assert retention_tick()["archived"] == [str(video.id)]  # archived at the next tick


def _matrix_users(django_user_model, user, other_user, staff_user):
    viewer = django_user_model.objects.create_user("vic", "v@example.org", "pw-v-1")
    co_owner = django_user_model.objects.create_user(
        "cora", "c@example.org", "pw-c-1", can_upload=True
    )
    return {"viewer": viewer, "other": other_user, "co_owner": co_owner, "staff": staff_user}


# (who, public video, private video): expected statuses
MATRIX = [
    ("anonymous", 401, 401),
    ("viewer", 403, 404),
    ("other", 403, 404),
    ("owner", 200, 200),
    ("co_owner", 200, 200),
    ("staff", 200, 200),
]


@pytest.mark.parametrize(("who", "public", "private"), MATRIX)
@pytest.mark.parametrize("method", ["get", "extend"])
def test_permission_matrix(
    policy_settings,
    django_user_model,
    user,
    other_user,
    staff_user,
    client_for,
    who,
    public,
    private,
    method,
):
    users = _matrix_users(django_user_model, user, other_user, staff_user)
    users["owner"] = user
    client = client_for(users.get(who))
    for visibility, expected in (("public", public), ("private", private)):
        video = make_video(user, visibility=visibility, co_owners=[users["co_owner"]])
        if method == "get":
            response = client.get(f"/api/v1/videos/{video.id}/retention")
        else:
            response = client.post_json(extend_url(video), {})
        assert response.status_code == expected, (who, visibility, response.content)
        if expected == 200:
            assert response.json()["data"]["video"] == str(video.id)


def test_unknown_video_is_404(policy_settings, alice):
    response = alice.post_json(
        "/api/v1/videos/00000000-0000-0000-0000-000000000000/retention/extend"
    )
    assert response.status_code == 404
