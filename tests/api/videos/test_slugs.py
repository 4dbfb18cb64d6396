"""Video slugs: made once at creation from the title and the id, unchanged by title
edits, unique, URL-safe whatever the title; ``GET /videos/by-slug/{slug}``. Who may
look up what: the ``byslug`` rows of ``test_access_matrix``."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.videos.grants import grant_issue
from api.videos.models import Video, video_slug
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db

URL_SAFE = re.compile(r"^[a-z0-9_-]+$")


def create(client, title: str, **extra) -> dict:
    response = client.post_json("/api/v1/videos", {"title": title, **extra})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def by_slug(client, slug: str, **extra):
    return client.get(f"/api/v1/videos/by-slug/{slug}", **extra)


def test_a_new_video_gets_its_slug_at_creation(alice):
    video = create(alice, "Introduction à la mécanique quantique")
    hex8 = uuid.UUID(video["id"]).hex[:8]
    assert video["slug"] == f"introduction-a-la-mecanique-quantique-{hex8}"
    found = by_slug(alice, video["slug"])
    assert found.status_code == 200
    assert found.json()["data"]["id"] == video["id"]
    assert found.json()["data"] == alice.get(f"/api/v1/videos/{video['id']}").json()["data"]


def test_a_title_change_keeps_the_slug_so_links_never_break(alice):
    video = create(alice, "Draft title")
    path = f"/api/v1/videos/{video['id']}"
    changed = alice.patch_json(path, {"title": "The final title"}).json()["data"]
    assert (changed["title"], changed["slug"]) == ("The final title", video["slug"])
    assert by_slug(alice, video["slug"]).json()["data"]["title"] == "The final title"
    # nothing answers to a slug made from the new title
    new_hex = f"the-final-title-{uuid.UUID(video['id']).hex[:8]}"
    assert by_slug(alice, new_hex).status_code == 404


def test_same_titled_videos_get_distinct_slugs(alice):
    videos = [create(alice, "Cours") for _ in range(3)]
    slugs = [v["slug"] for v in videos]
    assert len(set(slugs)) == 3 and all(s.startswith("cours-") for s in slugs)
    for video in videos:
        assert by_slug(alice, video["slug"]).json()["data"]["id"] == video["id"]


def test_a_taken_short_slug_falls_back_to_the_whole_id(user):
    # two ids with the same first 8 hex digits and the same title (a 1 in 2**32 chance)
    first = Video.objects.create(owner=user, title="Cours", id=uuid.UUID(int=0xABCDEF01 << 96))
    twin_id = uuid.UUID(int=(0xABCDEF01 << 96) | 1)
    twin = Video.objects.create(owner=user, title="Cours", id=twin_id)
    assert first.slug == "cours-abcdef01"
    assert twin.slug == f"cours-{twin_id.hex}"


def test_the_slug_is_stored_once_and_not_recomputed(user):
    video = make_video(user, title="Old")
    slug = video.slug
    video.title = "New"
    video.save()
    video.refresh_from_db()
    assert video.slug == slug


def test_list_items_carry_the_slug(alice, anon, user):
    mine = create(alice, "Mine")
    public = make_video(user, title="Public lecture")
    items = alice.get("/api/v1/videos").json()["data"]["items"]
    assert {i["id"]: i["slug"] for i in items}[mine["id"]] == mine["slug"]
    catalog = anon.get("/api/v1/catalog/videos").json()["data"]["items"]
    assert [(i["id"], i["slug"]) for i in catalog] == [(str(public.id), public.slug)]


ID = uuid.UUID("1f0c9a2e-0000-4000-8000-000000000000")


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("", "video-1f0c9a2e"),
        ("🎬🎥🍿", "video-1f0c9a2e"),
        ("  --- !!! ---  ", "video-1f0c9a2e"),
        # other scripts are transliterated (anyascii), ideographs and kana a syllable
        # a word; emoji drop out like punctuation
        ("Лекция по физике", "lektsiya-po-fizike-1f0c9a2e"),
        ("東京大学の講義", "dong-jing-da-xue-no-jiang-yi-1f0c9a2e"),
        ("Cours 東京 2024", "cours-dong-jing-2024-1f0c9a2e"),
        ("Ελληνικά 🎬", "ellinika-1f0c9a2e"),
        ("한국어 강의", "han-gug-eo-gang-ui-1f0c9a2e"),
        # Latin accents and ligature-like letters decompose, as in V4's slugs
        ("Ça, c'est l'été à Orléans!", "ca-cest-lete-a-orleans-1f0c9a2e"),
        ("Ｆｕｌｌｗｉｄｔｈ ＡＢＣ", "fullwidth-abc-1f0c9a2e"),
        ("snake_case_title", "snake_case_title-1f0c9a2e"),
        # cut at a word boundary within 50 characters...
        ("word " * 30, "word-word-word-word-word-word-word-word-word-word-1f0c9a2e"),
        # ...or at 50 when there is none near the end
        ("x" * 250, "x" * 50 + "-1f0c9a2e"),
        ("a " + "y" * 80, "a-" + "y" * 48 + "-1f0c9a2e"),
    ],
)
def test_odd_titles(title, slug, user):
    assert video_slug(title, ID) == slug
    video = Video.objects.create(owner=user, title=title, id=ID)
    assert video.slug == slug


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(max_size=300))
def test_any_title_gives_a_url_safe_slug_ending_with_the_id(title):
    slug = video_slug(title, ID)
    assert URL_SAFE.match(slug) and len(slug) <= 59
    assert slug.endswith("-1f0c9a2e") and not slug.startswith("-")


def test_unknown_and_malformed_slugs_are_404_in_the_envelope(alice):
    create(alice, "Exists")
    for slug in ("nope-12345678", "x" * 300, "%C3%A9t%C3%A9", "a.b", "-"):
        response = by_slug(alice, slug)
        assert response.status_code == 404, slug
        assert response.json()["errors"][0]["code"] == "not_found"
    # a slash is no part of a slug: no such route
    assert by_slug(alice, "a/b").status_code == 404


def test_a_password_video_by_slug_needs_its_grant(anon, user):
    video = make_video(user, visibility="password", password="letmein")
    assert by_slug(anon, video.slug).status_code == 404
    grant, _ = grant_issue(video_id=video.id, password_version=video.password_version)
    granted = by_slug(anon, video.slug, HTTP_X_VIDEO_GRANT=grant)
    assert granted.status_code == 200 and granted.json()["data"]["id"] == str(video.id)
    # a grant for another video opens nothing; a forged one is refused
    other = make_video(user, visibility="password", password="other")
    other_grant, _ = grant_issue(video_id=other.id, password_version=other.password_version)
    assert by_slug(anon, video.slug, HTTP_X_VIDEO_GRANT=other_grant).status_code == 404
    forged = by_slug(anon, video.slug, HTTP_X_VIDEO_GRANT=grant[:-2] + "xx")
    assert forged.status_code == 403
    assert forged.json()["errors"][0]["code"] == "invalid_grant"
