"""Access groups administered through the API: create, read, rename, delete, members;
what a group's deletion does to the videos restricted to it."""

from __future__ import annotations

import pytest

from api.accounts.models import AccessGroup
from tests.api.factories import make_video
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_user):
    return ApiClient(staff_user)


def test_create_read_rename_delete(staff, alice):
    created = staff.post_json(
        "/api/v1/access-groups", {"code_name": "l3-physics", "display_name": "L3 Physics"}
    )
    assert created.status_code == 201
    assert created.json()["data"] == {
        "code_name": "l3-physics",
        "display_name": "L3 Physics",
        "auto_sync": False,
        "member_count": 0,
    }
    listed = alice.get("/api/v1/access-groups").json()["data"]["items"]
    assert {"code_name": "l3-physics", "display_name": "L3 Physics"} in listed
    renamed = staff.patch_json("/api/v1/access-groups/l3-physics", {"display_name": "Physique"})
    assert renamed.json()["data"]["display_name"] == "Physique"
    synced = staff.patch_json("/api/v1/access-groups/l3-physics", {"auto_sync": True})
    assert synced.json()["data"]["auto_sync"] is True
    assert AccessGroup.objects.get().display_name == "Physique"
    assert alice.get("/api/v1/access-groups/l3-physics").json()["data"]["display_name"] == (
        "Physique"
    )
    assert staff.delete("/api/v1/access-groups/l3-physics").status_code == 204
    assert staff.get("/api/v1/access-groups/l3-physics").status_code == 404
    assert not AccessGroup.objects.exists()


def test_a_code_name_is_taken_once(staff):
    body = {"code_name": "lab", "display_name": "Lab"}
    assert staff.post_json("/api/v1/access-groups", body).status_code == 201
    again = staff.post_json("/api/v1/access-groups", {**body, "display_name": "Other"})
    assert again.status_code == 409
    assert again.json()["errors"][0] == {
        "code": "access_group_exists",
        "message": "An access group 'lab' already exists.",
        "field": "code_name",
    }
    assert AccessGroup.objects.get().display_name == "Lab"


@pytest.mark.parametrize(
    "body",
    [
        {"code_name": "a/b", "display_name": "x"},
        {"code_name": "a b", "display_name": "x"},
        {"code_name": "", "display_name": "x"},
        {"code_name": "x" * 151, "display_name": "x"},
        {"code_name": "ok", "display_name": ""},
        {"code_name": "ok", "display_name": "x", "members": []},
    ],
)
def test_bad_groups_are_refused(staff, body):
    response = staff.post_json("/api/v1/access-groups", body)
    assert response.status_code == 422
    assert not AccessGroup.objects.exists()


def test_members_added_listed_and_removed(staff, django_user_model):
    for name in ("zoe", "yann", "xavier"):
        django_user_model.objects.create_user(name)
    staff.post_json("/api/v1/access-groups", {"code_name": "lab", "display_name": "Lab"})
    added = staff.post_json("/api/v1/access-groups/lab/members", {"usernames": ["zoe", "yann"]})
    assert added.json()["data"]["member_count"] == 2
    again = staff.post_json("/api/v1/access-groups/lab/members", {"usernames": ["zoe", "xavier"]})
    assert again.json()["data"]["member_count"] == 3  # zoe stays once
    page = staff.get("/api/v1/access-groups/lab/members?limit=2").json()["data"]
    assert page["count"] == 3
    assert [m["username"] for m in page["items"]] == ["xavier", "yann"]
    rest = staff.get("/api/v1/access-groups/lab/members?limit=2&offset=2").json()["data"]
    assert [m["username"] for m in rest["items"]] == ["zoe"]
    assert staff.delete("/api/v1/access-groups/lab/members/yann").status_code == 204
    assert staff.delete("/api/v1/access-groups/lab/members/yann").status_code == 204
    assert staff.delete("/api/v1/access-groups/lab/members/nobody").status_code == 404
    members = staff.get("/api/v1/access-groups/lab/members").json()["data"]["items"]
    assert [m["username"] for m in members] == ["xavier", "zoe"]


def test_an_unknown_member_adds_nobody(staff, django_user_model):
    django_user_model.objects.create_user("zoe")
    staff.post_json("/api/v1/access-groups", {"code_name": "lab", "display_name": "Lab"})
    response = staff.post_json("/api/v1/access-groups/lab/members", {"usernames": ["zoe", "ghost"]})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["field"], error["message"]) == ("usernames", "Unknown users: 'ghost'.")
    assert AccessGroup.objects.get().members.count() == 0


def test_membership_opens_a_restricted_video_and_deleting_the_group_closes_it(
    staff, user, other_user
):
    staff.post_json("/api/v1/access-groups", {"code_name": "lab", "display_name": "Lab"})
    group = AccessGroup.objects.get()
    video = make_video(user, visibility="restricted", groups=[group])
    bob = ApiClient(other_user)
    assert bob.get(f"/api/v1/videos/{video.id}").status_code == 404
    staff.post_json("/api/v1/access-groups/lab/members", {"usernames": ["bob"]})
    assert bob.get(f"/api/v1/videos/{video.id}").status_code == 200
    staff.delete("/api/v1/access-groups/lab")
    assert bob.get(f"/api/v1/videos/{video.id}").status_code == 404
    assert ApiClient(user).get(f"/api/v1/videos/{video.id}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/access-groups/a%00b",
        "/api/v1/access-groups/a%00b/members",
        "/api/v1/users/99999999999999999999999",
    ],
)
def test_names_and_ids_no_row_can_have_are_404(staff, path):
    response = staff.get(path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_removing_a_member_with_an_impossible_name_is_404(staff):
    staff.post_json("/api/v1/access-groups", {"code_name": "lab", "display_name": "Lab"})
    assert staff.delete("/api/v1/access-groups/lab/members/a%00b").status_code == 404
