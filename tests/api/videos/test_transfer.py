"""Moving a user's videos to another user (``POST /users/{id}/transfer-videos``): all of
them or a list, all or none, and who sees and owns them afterwards."""

from __future__ import annotations

import uuid

import pytest

from api.videos.models import Video
from tests.api.factories import make_video
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_user):
    return ApiClient(staff_user)


def url(user) -> str:
    return f"/api/v1/users/{user.pk}/transfer-videos"


def owners(videos) -> list[str]:
    return [Video.objects.get(pk=v.pk).owner.username for v in videos]


def test_every_video_moves_and_the_old_owner_loses_it(staff, user, other_user):
    private = make_video(user, visibility="private")
    shared = make_video(user, co_owners=[other_user])
    kept = make_video(other_user)
    response = staff.post_json(url(user), {"to": "bob"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["transferred"] == 2
    assert sorted(data["videos"]) == sorted([str(private.id), str(shared.id)])
    assert owners([private, shared, kept]) == ["bob", "bob", "bob"]
    # bob owns it now: no longer listed as an additional owner of it
    assert not Video.objects.get(pk=shared.pk).additional_owners.exists()
    alice, bob = ApiClient(user), ApiClient(other_user)
    assert alice.get(f"/api/v1/videos/{private.id}").status_code == 404
    assert bob.patch_json(f"/api/v1/videos/{private.id}", {"title": "Mine"}).status_code == 200
    assert {v["id"] for v in bob.get("/api/v1/videos").json()["data"]["items"]} == {
        str(private.id),
        str(shared.id),
        str(kept.id),
    }
    assert alice.get("/api/v1/videos").json()["data"]["count"] == 0


def test_listed_videos_only(staff, user, other_user):
    first, second = make_video(user), make_video(user)
    response = staff.post_json(url(user), {"to": "bob", "videos": [str(second.id)]})
    assert response.json()["data"] == {"transferred": 1, "videos": [str(second.id)]}
    assert owners([first, second]) == ["alice", "bob"]


def test_all_or_none(staff, user, other_user, django_user_model):
    mine = make_video(user)
    foreign = make_video(django_user_model.objects.create_user("carol"))
    response = staff.post_json(
        url(user), {"to": "bob", "videos": [str(mine.id), str(foreign.id), str(uuid.uuid4())]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "videos"
    assert owners([mine, foreign]) == ["alice", "carol"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"to": "alice"}, 422, "to"),  # the same user
        ({"to": "ghost"}, 404, "to"),
        ({"to": "dora"}, 422, "to"),  # deactivated
        ({"to": "bob", "videos": ["not-a-uuid"]}, 422, "videos.0"),
        ({"to": "bob", "owner": "x"}, 422, "owner"),
    ],
)
def test_bad_transfers_change_nothing(
    staff, user, other_user, django_user_model, body, status, field
):
    django_user_model.objects.create_user("dora", is_active=False)
    video = make_video(user)
    response = staff.post_json(url(user), body)
    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["field"] == field
    assert owners([video]) == ["alice"]
