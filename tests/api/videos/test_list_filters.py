"""Filters, full-text search and orderings of the video lists (GET /videos: your own
videos; GET /catalog/videos: the public catalog). On PostgreSQL the search is the
full-text one (websearch syntax, GIN index); on SQLite the plain fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from api.editorial.models import Discipline, Theme, VideoType
from tests.api.factories import make_channel, make_editorial_video

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"


def _titles(client, query: str, path: str = "/api/v1/videos") -> list[str]:
    response = client.get(f"{path}?limit=100&{query}")
    assert response.status_code == 200, response.content
    return [v["title"] for v in response.json()["data"]["items"]]


@pytest.fixture
def library(user, other_user):
    """Five videos of alice's, in two channels, with themes, tags, types, disciplines,
    dates and durations; one video of bob's."""
    physics = make_channel([user], title="Physics")
    maths = make_channel([user], title="Maths")
    optics = Theme.objects.create(channel=physics, title="Optics", slug="optics")
    lecture = VideoType.objects.create(title="Lecture", slug="lecture")
    tutorial = VideoType.objects.create(title="Tutorial", slug="tutorial")
    chemistry = Discipline.objects.create(title="Chemistry", slug="chemistry")
    day = lambda d: datetime(2026, 3, d, 12, tzinfo=UTC)  # noqa: E731
    videos = {
        "Lasers": make_editorial_video(
            user,
            title="Lasers",
            channels=[physics],
            themes=[optics],
            type=lecture,
            tags=["Light", "Quantum Optics"],
            duration=600,
            created_at=day(1),
            description="Stimulated emission of radiation.",
        ),
        "Lenses": make_editorial_video(
            user,
            title="Lenses",
            channels=[physics],
            type=tutorial,
            tags=["light"],
            duration=120,
            created_at=day(2),
            description="Focal length and refraction.",
        ),
        "Integrals": make_editorial_video(
            user,
            title="Integrals",
            channels=[maths],
            type=lecture,
            tags=["calculus"],
            duration=3600,
            created_at=day(3),
            description="Riemann sums.",
        ),
        "Polymers": make_editorial_video(
            user,
            title="Polymers",
            disciplines=[chemistry],
            duration=900,
            created_at=day(4),
            description="Long chains and plastics.",
        ),
        "Untitled draft": make_editorial_video(
            user, title="Untitled draft", is_draft=True, status="draft", created_at=day(5)
        ),
        "Bob's lasers": make_editorial_video(
            other_user,
            title="Bob's lasers",
            channels=[physics],
            tags=["light"],
            created_at=day(6),
            duration=60,
        ),
    }
    return {
        "videos": videos, "physics": physics, "maths": maths, "optics": optics,
        "lecture": lecture, "chemistry": chemistry,
    }  # fmt: skip


def test_default_order_is_newest_first(alice, library):
    assert _titles(alice, "") == ["Untitled draft", "Polymers", "Integrals", "Lenses", "Lasers"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("channel={physics}", ["Lenses", "Lasers"]),
        ("channel={maths}", ["Integrals"]),
        ("theme={optics}", ["Lasers"]),
        ("type={lecture}", ["Integrals", "Lasers"]),
        ("discipline={chemistry}", ["Polymers"]),
        ("tag=light", ["Lenses", "Lasers"]),
        ("tag=LIGHT", ["Lenses", "Lasers"]),
        ("tag=quantum-optics", ["Lasers"]),
        ("owner=alice", ["Untitled draft", "Polymers", "Integrals", "Lenses", "Lasers"]),
        ("owner=bob", []),
        ("created_after=2026-03-02T00:00:00Z&created_before=2026-03-03T23:00:00Z",
         ["Integrals", "Lenses"]),
        ("duration_min=600&duration_max=900", ["Polymers", "Lasers"]),
        ("channel={physics}&type={lecture}", ["Lasers"]),
        ("channel={physics}&tag=calculus", []),
    ],
)  # fmt: skip
def test_filters(alice, library, query, expected):
    ids = {k: v.pk for k, v in library.items() if k != "videos"}
    assert _titles(alice, query.format(**ids)) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["Integrals", "Lasers", "Lenses", "Polymers", "Untitled draft"]),
        ("-title", ["Untitled draft", "Polymers", "Lenses", "Lasers", "Integrals"]),
        ("duration", ["Untitled draft", "Lenses", "Lasers", "Polymers", "Integrals"]),
        ("-duration", ["Integrals", "Polymers", "Lasers", "Lenses", "Untitled draft"]),
        ("created_at", ["Lasers", "Lenses", "Integrals", "Polymers", "Untitled draft"]),
    ],
)
def test_orderings(alice, library, ordering, expected):
    assert _titles(alice, f"ordering={ordering}") == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("lasers", ["Lasers"]),  # title, any case
        ("refraction", ["Lenses"]),  # description
        ("calculus", ["Integrals"]),  # tag
        ("quantum", ["Lasers"]),  # a word of a tag
        ("light emission", ["Lasers"]),  # every word must match (tag + description)
        ("plastics", ["Polymers"]),
        ("nothing-like-this", []),
    ],
)
def test_search(alice, library, q, expected):
    assert _titles(alice, f"q={q}") == expected


@pytest.mark.skipif(not ON_POSTGRES, reason="websearch syntax: PostgreSQL full-text only")
def test_search_websearch_syntax_on_postgresql(alice, library):
    assert _titles(alice, "q=light -emission") == ["Lenses"]
    assert _titles(alice, "q=calculus or plastics") == ["Polymers", "Integrals"]
    assert _titles(alice, 'q="focal length"') == ["Lenses"]


@pytest.mark.skipif(not ON_POSTGRES, reason="the GIN index exists on PostgreSQL only")
def test_search_can_use_the_gin_index(library):
    from django.contrib.postgres.search import SearchQuery

    from api.videos.models import SEARCH_VECTOR, Video

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # this test's transaction only
    query = SearchQuery("light", config="simple", search_type="websearch")
    searched = Video.objects.alias(document=SEARCH_VECTOR).filter(document=query)
    plan = searched.order_by().explain()  # unordered: the ordering index is no candidate
    assert "video_search" in plan


def test_catalog_filters_and_search_only_show_public_videos(anon, library, user):
    make_editorial_video(user, title="Private lasers", visibility="private", tags=["light"])
    path = "/api/v1/catalog/videos"
    assert _titles(anon, "tag=light", path) == ["Bob's lasers", "Lenses", "Lasers"]
    assert _titles(anon, "q=lasers", path) == ["Bob's lasers", "Lasers"]
    assert _titles(anon, f"channel={library['physics'].pk}&owner=bob", path) == ["Bob's lasers"]


@pytest.mark.parametrize(
    "query",
    [
        "ordering=views",
        "limit=0",
        "limit=101",
        "duration_min=-1",
        "created_after=yesterday",
        "q=a%00b",  # PostgreSQL text cannot hold NUL: 422, not a database error
        "tag=%00",
    ],
)
def test_bad_list_parameters_are_422(alice, query):
    response = alice.get(f"/api/v1/videos?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "validation_error"
