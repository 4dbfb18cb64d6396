"""Keyset (cursor) pagination of the video lists: stable when videos are added or
removed between two page fetches, in every ordering; bad cursors are 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.factories import make_editorial_video

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _page(client, query: str) -> dict:
    response = client.get(f"/api/v1/videos?{query}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _walk(client, query: str, between=lambda n: None) -> list[str]:
    """Every title, page after page (``between(n)`` runs after page n)."""
    titles, cursor, n = [], None, 0
    while True:
        page = _page(client, query + (f"&cursor={cursor}" if cursor else ""))
        titles += [v["title"] for v in page["items"]]
        cursor = page["next"]
        if cursor is None:
            return titles
        n += 1
        between(n)


def _videos(owner, count: int, *, start: int = 0, same_time: bool = False):
    for i in range(start, start + count):
        created = BASE if same_time else BASE + timedelta(minutes=i)
        make_editorial_video(owner, title=f"v{i:02d}", created_at=created, duration=i % 3)


def test_pages_chain_to_the_end_with_the_count(alice, user):
    _videos(user, 7)
    first = _page(alice, "limit=3")
    assert first["count"] == 7 and len(first["items"]) == 3 and first["next"]
    assert _walk(alice, "limit=3") == [f"v{i:02d}" for i in range(6, -1, -1)]


def test_inserts_between_fetches_neither_shift_nor_repeat(alice, user):
    _videos(user, 10)

    def insert_newer(n):  # newer videos land before the cursor, on pages already seen
        _videos(user, 2, start=20 + 2 * n)

    titles = _walk(alice, "limit=4", between=insert_newer)
    assert titles == [f"v{i:02d}" for i in range(9, -1, -1)]  # each exactly once
    # offset pagination, for comparison, repeats rows when rows are inserted
    first = [v["title"] for v in _page(alice, "limit=4&offset=0")["items"]]
    _videos(user, 2, start=40)
    second = [v["title"] for v in _page(alice, "limit=4&offset=4")["items"]]
    assert set(first) & set(second)


def test_deleting_the_last_row_of_a_page_keeps_the_next_page(alice, user):
    _videos(user, 6)
    page = _page(alice, "limit=3")
    alice.delete(f"/api/v1/videos/{page['items'][-1]['id']}")
    rest = _page(alice, f"limit=3&cursor={page['next']}")
    assert [v["title"] for v in rest["items"]] == ["v02", "v01", "v00"]


@pytest.mark.parametrize("ordering", ["title", "-title", "duration", "-duration", "created_at"])
def test_ties_are_broken_by_id_in_every_ordering(alice, user, ordering):
    _videos(user, 9, same_time=True)  # equal dates; durations 0, 1, 2 repeated

    def insert(n):
        _videos(user, 1, start=30 + n, same_time=True)

    all_at_once = [v["title"] for v in _page(alice, f"limit=100&ordering={ordering}")["items"]]
    walked = _walk(alice, f"limit=2&ordering={ordering}", between=insert)
    assert len(walked) == len(set(walked))  # nothing twice
    assert set(all_at_once) <= set(walked)  # nothing that existed is skipped
    original = [t for t in walked if t in all_at_once]
    assert original == all_at_once  # same order as in one page


def test_catalog_pages_with_a_cursor_too(anon, user):
    _videos(user, 5)
    first = anon.get("/api/v1/catalog/videos?limit=2").json()["data"]
    rest = anon.get(f"/api/v1/catalog/videos?limit=10&cursor={first['next']}").json()["data"]
    assert [v["title"] for v in first["items"] + rest["items"]] == [
        "v04", "v03", "v02", "v01", "v00"
    ]  # fmt: skip
    assert rest["next"] is None


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ0aXRsZSIsInYiLCJ4Il0"])
def test_bad_cursor_is_422(alice, user, cursor):
    _videos(user, 1)
    response = alice.get(f"/api/v1/videos?cursor={cursor}")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_cursor" and error["field"] == "cursor"


def test_cursor_of_another_ordering_is_422(alice, user):
    _videos(user, 3)
    cursor = _page(alice, "limit=1&ordering=title")["next"]
    response = alice.get(f"/api/v1/videos?cursor={cursor}")  # default ordering
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid_cursor"
