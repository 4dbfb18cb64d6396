"""Reactions (one per user, switchable, removable) and view counts (a refresh is not a
new view; another viewer is), shown on the video without extra queries per video."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db import connections as db_connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.social.models import Reaction, VideoStats, ViewMark
from api.social.services import view_marks_purge, view_record
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user):
    return make_video(user)


def react(client, video, kind=None):
    path = f"/api/v1/videos/{video.id}/reactions"
    response = (
        client.put(path, {"kind": kind}, content_type="application/json")
        if kind
        else (client.delete(path))
    )
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def view(client, video, client_id=None, **extra):
    query = f"?client_id={client_id}" if client_id else ""
    response = client.post(f"/api/v1/videos/{video.id}/views{query}", **extra)
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def detail(client, video):
    data = client.get(f"/api/v1/videos/{video.id}").json()["data"]
    return data["views"], data["likes"], data["dislikes"]


def test_one_reaction_per_user_switchable_and_removable(alice, client_for, other_user, video, anon):
    assert react(alice, video, "like") == {"likes": 1, "dislikes": 0, "mine": "like"}
    assert react(alice, video, "like") == {"likes": 1, "dislikes": 0, "mine": "like"}
    assert react(alice, video, "dislike") == {"likes": 0, "dislikes": 1, "mine": "dislike"}
    bob = client_for(other_user)
    assert react(bob, video, "dislike") == {"likes": 0, "dislikes": 2, "mine": "dislike"}
    assert react(alice, video) == {"likes": 0, "dislikes": 1, "mine": None}
    assert react(alice, video) == {"likes": 0, "dislikes": 1, "mine": None}  # nothing left
    assert Reaction.objects.count() == 1
    summary = anon.get(f"/api/v1/videos/{video.id}/reactions").json()["data"]
    assert summary == {"likes": 0, "dislikes": 1, "mine": None}
    assert detail(anon, video) == (0, 0, 1)
    bad = alice.put(f"/api/v1/videos/{video.id}/reactions", {"kind": "love"}, "application/json")
    assert bad.status_code == 422
    assert anon.put(f"/api/v1/videos/{video.id}/reactions", {"kind": "like"}).status_code == 401


def test_a_refresh_is_not_a_new_view_but_another_viewer_is(alice, client_for, other_user, video):
    assert view(alice, video) == {"counted": True, "views": 1}
    assert view(alice, video) == {"counted": False, "views": 1}  # refresh
    assert view(alice, video, "another-tab") == {"counted": False, "views": 1}
    assert view(client_for(other_user), video) == {"counted": True, "views": 2}
    assert detail(alice, video)[0] == 2


def test_anonymous_viewers_count_by_address_and_client_id(client_for, video):
    browser = client_for(HTTP_USER_AGENT="Firefox", REMOTE_ADDR="10.0.0.1")
    assert view(browser, video)["counted"] is True
    assert view(browser, video)["counted"] is False  # same address and browser
    assert view(browser, video, "tab-a")["counted"] is True
    assert view(browser, video, "tab-a")["counted"] is False
    # a classmate behind the same campus address, with their own player id
    assert view(browser, video, "tab-b") == {"counted": True, "views": 3}
    elsewhere = client_for(HTTP_USER_AGENT="Firefox", REMOTE_ADDR="10.0.0.2")
    assert view(elsewhere, video)["views"] == 4
    assert not ViewMark.objects.filter(viewer__contains="10.0.0").exists()  # hashed


def test_the_same_viewer_counts_again_after_the_window(alice, video, settings):
    settings.VIEW_DEDUPE_SECONDS = 1800
    view(alice, video)
    ViewMark.objects.update(counted_at=timezone.now() - timedelta(seconds=1799))
    assert view(alice, video)["counted"] is False
    ViewMark.objects.update(counted_at=timezone.now() - timedelta(seconds=1801))
    assert view(alice, video) == {"counted": True, "views": 2}
    ViewMark.objects.update(counted_at=timezone.now() - timedelta(seconds=1801))
    assert view_marks_purge() == 1 and not ViewMark.objects.exists()


def test_views_follow_the_video_access_rules(user, anon, alice):
    private = make_video(user, visibility="private")
    assert anon.post(f"/api/v1/videos/{private.id}/views").status_code == 404
    assert view(alice, private)["counted"] is True  # its owner


def test_video_list_shows_counts_in_constant_queries(user, alice, django_assert_num_queries):
    def videos(count):
        for _ in range(count):
            v = make_video(user, visibility="private")
            VideoStats.objects.create(video=v, views=5, likes=2, dislikes=1)

    videos(1)
    with CaptureQueriesContext(connection) as one:
        first = alice.get("/api/v1/videos?limit=50").json()["data"]
    videos(9)
    make_video(user)  # and one with nothing counted yet
    with django_assert_num_queries(len(one.captured_queries)):
        items = alice.get("/api/v1/videos?limit=50").json()["data"]["items"]
    assert len(first["items"]) == 1 and len(items) == 11
    assert (
        sorted((i["views"], i["likes"], i["dislikes"]) for i in items)
        == [(0, 0, 0)] + [(5, 2, 1)] * 10
    )


@pytest.mark.django_db(transaction=True)
def test_simultaneous_views_of_one_viewer_count_once(user):
    """Eight requests of the same viewer at the same moment (a player retrying, tabs
    restored together): one view. Needs row locks, so PostgreSQL (SQLite serialises
    writers anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    video = make_video(user)
    barrier = threading.Barrier(8)
    results = []

    def watch(viewer):
        try:
            barrier.wait(timeout=10)
            results.append(view_record(video=video, viewer=viewer)[0])
        finally:
            db_connections.close_all()

    threads = [threading.Thread(target=watch, args=("u:same",)) for _ in range(7)]
    threads.append(threading.Thread(target=watch, args=("u:other",)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 6 + [True] * 2
    assert VideoStats.objects.get(video=video).views == 2
