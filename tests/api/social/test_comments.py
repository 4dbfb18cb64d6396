"""Threaded comments: create, reply, edit, soft delete, closed comments, rate limit,
password-protected videos, and a constant number of queries per page of threads."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.social.models import Comment
from api.videos.grants import grant_issue
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user):
    return make_video(user)  # alice's public video


@pytest.fixture
def bob(other_user, client_for):
    return client_for(other_user)


def post(client, video, text, parent=None, **extra):
    payload = {"text": text} | ({"parent": parent} if parent else {})
    return client.post_json(f"/api/v1/videos/{video.id}/comments", payload, **extra)


def threads(client, video, query=""):
    response = client.get(f"/api/v1/videos/{video.id}/comments{query}")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def test_a_thread_with_replies_to_replies(alice, bob, anon, video):
    top = post(alice, video, "  Great lecture  ")
    assert top.status_code == 201
    top = top.json()["data"]
    assert top["text"] == "Great lecture" and top["author"]["username"] == "alice"
    reply = post(bob, video, "Thanks!", parent=top["id"]).json()["data"]
    deeper = post(alice, video, "You're welcome", parent=reply["id"]).json()["data"]
    post(bob, video, "Second thread")

    page = threads(anon, video)
    assert page["count"] == 2
    first, second = page["items"]
    assert first["id"] == top["id"] and second["text"] == "Second thread"
    assert [(r["id"], r["parent"]) for r in first["replies"]] == [
        (reply["id"], top["id"]),
        (deeper["id"], reply["id"]),
    ]
    assert second["replies"] == []


def test_threads_are_paginated_by_top_level_comment(alice, anon, video):
    for n in range(3):
        top = post(alice, video, f"thread {n}").json()["data"]
        post(alice, video, f"reply {n}", parent=top["id"])
    page = threads(anon, video, "?limit=2&offset=1")
    assert page["count"] == 3
    assert [t["text"] for t in page["items"]] == ["thread 1", "thread 2"]
    assert [r["text"] for r in page["items"][0]["replies"]] == ["reply 1"]


def test_only_the_author_edits(alice, bob, staff_user, client_for, video):
    comment = post(bob, video, "typo").json()["data"]
    path = f"/api/v1/videos/{video.id}/comments/{comment['id']}"
    edited = bob.patch_json(path, {"text": "fixed"})
    assert edited.status_code == 200
    assert edited.json()["data"]["text"] == "fixed" and edited.json()["data"]["edited_at"]
    for other in (alice, client_for(staff_user)):  # the video's owner, staff
        response = other.patch_json(path, {"text": "not yours"})
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"
    assert Comment.objects.get(pk=comment["id"]).text == "fixed"


def test_soft_delete_keeps_the_replies(alice, bob, anon, video):
    top = post(bob, video, "question").json()["data"]
    post(alice, video, "answer", parent=top["id"])
    alone = post(bob, video, "nobody answered").json()["data"]
    assert bob.delete(f"/api/v1/videos/{video.id}/comments/{top['id']}").status_code == 204
    assert bob.delete(f"/api/v1/videos/{video.id}/comments/{alone['id']}").status_code == 204

    page = threads(anon, video)
    assert page["count"] == 1  # the deleted comment without replies is gone
    (thread,) = page["items"]
    assert (thread["text"], thread["author"], thread["is_deleted"]) == ("[deleted]", None, True)
    assert [r["text"] for r in thread["replies"]] == ["answer"]
    assert Comment.objects.get(pk=top["id"]).text == ""  # the text is really gone
    answer = post(alice, video, "reply to deleted", parent=top["id"])
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["code"] == "comment_deleted"


def test_who_may_delete(alice, bob, client_for, staff_user, django_user_model, video):
    carol = client_for(django_user_model.objects.create_user("carol", password="pw-carol-1"))
    ids = [post(bob, video, f"c{n}").json()["data"]["id"] for n in range(2)]
    path = f"/api/v1/videos/{video.id}/comments/"
    assert carol.delete(path + str(ids[0])).status_code == 403  # another viewer
    assert alice.delete(path + str(ids[0])).status_code == 204  # the video's owner
    assert client_for(staff_user).delete(path + str(ids[1])).status_code == 204
    assert Comment.objects.filter(is_deleted=True).count() == 2


def test_a_parent_from_another_video_is_refused(alice, user, video):
    elsewhere = post(alice, make_video(user), "other video").json()["data"]
    response = post(alice, video, "reply", parent=elsewhere["id"])
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "code": "validation_error",
        "message": "No such comment on this video.",
        "field": "parent",
    }


def test_owners_close_and_reopen_the_comments(alice, bob, anon, video):
    comment = post(bob, video, "before").json()["data"]
    settings_path = f"/api/v1/videos/{video.id}/comment-settings"
    assert bob.patch_json(settings_path, {"allow_comments": False}).status_code == 403
    closed = alice.patch_json(settings_path, {"allow_comments": False})
    assert closed.status_code == 200 and closed.json()["data"] == {"allow_comments": False}
    assert alice.get(f"/api/v1/videos/{video.id}").json()["data"]["allow_comments"] is False

    for response in (
        post(bob, video, "after"),
        post(alice, video, "the owner too"),
        post(bob, video, "reply", parent=comment["id"]),
        bob.patch_json(f"/api/v1/videos/{video.id}/comments/{comment['id']}", {"text": "x"}),
    ):
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "comments_disabled"
    assert [t["text"] for t in threads(anon, video)["items"]] == ["before"]  # still readable

    alice.patch_json(settings_path, {"allow_comments": True})
    assert post(bob, video, "after").status_code == 201


def test_comment_creation_is_rate_limited(alice, bob, video, settings):
    settings.RATE_LIMITS = {"comment": "3/m"}
    cache.clear()
    for n in range(3):
        assert post(bob, video, f"c{n}").status_code == 201
    response = post(bob, video, "one too many")
    assert response.status_code == 429
    assert response.json() == {
        "status": "error",
        "data": None,
        "errors": [{"code": "rate_limited", "message": "Too many comment requests: at most 3/m."}],
    }
    assert 1 <= int(response["Retry-After"]) <= 60
    assert post(alice, video, "another user").status_code == 201  # counted per user
    assert Comment.objects.count() == 4
    cache.clear()


def test_password_video_needs_its_grant(user, bob, anon):
    video = make_video(user, visibility="password", password="letmein")
    assert post(bob, video, "hi").status_code == 404
    assert anon.get(f"/api/v1/videos/{video.id}/comments").status_code == 404
    grant, _ = grant_issue(video_id=video.id, password_version=video.password_version)
    assert post(bob, video, "hi", HTTP_X_VIDEO_GRANT=grant).status_code == 201
    listed = anon.get(f"/api/v1/videos/{video.id}/comments", HTTP_X_VIDEO_GRANT=grant)
    assert listed.json()["data"]["count"] == 1
    assert (
        anon.get(f"/api/v1/videos/{video.id}/comments", HTTP_X_VIDEO_GRANT="forged").json()[
            "errors"
        ][0]["code"]
        == "invalid_grant"
    )


def test_comment_list_queries_do_not_grow_with_the_page(
    user, other_user, django_user_model, video, anon, django_assert_num_queries
):
    def add_threads(count: int, replies: int) -> None:
        for n in range(count):
            author = django_user_model.objects.create_user(f"u{Comment.objects.count()}-{n}")
            top = Comment.objects.create(video=video, author=author, text="t")
            parent = top
            for _ in range(replies):
                parent = Comment.objects.create(
                    video=video, author=other_user, text="r", parent=parent, root=top
                )

    add_threads(1, 1)
    with CaptureQueriesContext(connection) as one:
        assert threads(anon, video, "?limit=50")["count"] == 1
    add_threads(9, 3)
    Comment.objects.filter(pk=Comment.objects.first().pk).update(is_deleted=True, text="")
    with django_assert_num_queries(len(one.captured_queries)):
        page = threads(anon, video, "?limit=50")
    assert len(page["items"]) == 10 and sum(len(t["replies"]) for t in page["items"]) == 28


def test_blank_long_or_nul_texts_are_refused(alice, video):
    for text in ("   ", "x" * 5001, "nul \x00 inside"):
        response = post(alice, video, text)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "validation_error"
    assert post(alice, video, "multi\nline\ttext").status_code == 201
    assert not Comment.objects.exclude(text="multi\nline\ttext").exists()


def test_a_thread_whose_comments_are_all_deleted_disappears(alice, bob, anon, video):
    top = post(bob, video, "question").json()["data"]
    reply = post(alice, video, "answer", parent=top["id"]).json()["data"]
    base = f"/api/v1/videos/{video.id}/comments/"
    assert bob.delete(base + str(top["id"])).status_code == 204
    assert threads(anon, video)["count"] == 1  # held by the answer
    assert alice.delete(base + str(reply["id"])).status_code == 204
    assert threads(anon, video) == {"items": [], "count": 0}
