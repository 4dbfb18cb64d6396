"""Odd input never makes a 500: every answer is the JSON envelope with a 4xx.

- bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 ``payload_too_large``;
- forged pagination cursors (non-UUID ids, dates at year 1 or 9999, NUL bytes, wrong
  types): 422 ``invalid_cursor``;
- query strings of every GET operation with query parameters (read from the OpenAPI
  document, so a new list endpoint is covered without touching this file): Hypothesis
  sends extreme integers, floats, dates at the ends of datetime's range with and without a
  UTC offset, non-ASCII digits and control characters, as an anonymous caller and as a
  signed-in user.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from api.v1 import api
from tests.api.factories import make_video
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db
FUZZ = hsettings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _assert_envelope(response, *statuses):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert body["status"] == "error" and body["errors"][0]["code"], body


# --- bodies over the limit ----------------------------------------------------------


def test_a_json_body_over_the_limit_is_a_413(alice, user):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    for method, url in (
        ("post_json", "/api/v1/videos"),
        ("patch_json", "/api/v1/users/me"),
        ("post_json", "/api/v1/playlists"),
    ):
        response = getattr(alice, method)(url, {"title": "t", "description": big})
        _assert_envelope(response, 413)
        assert response.json()["errors"][0]["code"] == "payload_too_large"
        assert big[:100] not in response.content.decode()


def test_a_form_body_over_the_limit_is_a_413(alice):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = alice.post(
        "/api/v1/auth/token/pair",
        f"username={big}",
        content_type="application/x-www-form-urlencoded",
    )
    _assert_envelope(response, 413)


# --- forged cursors -----------------------------------------------------------------


def _cursor(value) -> str:
    raw = json.dumps(value).encode() if not isinstance(value, bytes) else value
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED = [
    ["-created_at", "0001-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"],
    ["-created_at", "0001-01-01T00:00:00+14:00", "00000000-0000-0000-0000-000000000000"],
    ["-created_at", "9999-12-31T23:59:59-14:00", "00000000-0000-0000-0000-000000000000"],
    ["-created_at", "2024-01-01T00:00:00+00:00", "not-a-uuid"],
    ["-created_at", "2024-01-01T00:00:00+00:00", "a\x00b"],
    ["-created_at", "2024-01-01\x00", "00000000-0000-0000-0000-000000000000"],
    ["title", "a\x00b", "00000000-0000-0000-0000-000000000000"],
    ["-duration", 1e308, "00000000-0000-0000-0000-000000000000"],
    ["-duration", 10**400, "00000000-0000-0000-0000-000000000000"],
    ["title", "x", 12],
    ["title", "x"],
    {"a": 1},
]


@pytest.mark.parametrize("forged", FORGED, ids=range(len(FORGED)))
def test_forged_cursors_are_a_422(alice, user, forged):
    make_video(user)
    ordering = forged[0] if isinstance(forged, list) else "-created_at"
    for url in ("/api/v1/videos", "/api/v1/catalog/videos", "/api/v1/playlists"):
        if url == "/api/v1/playlists" and ordering.endswith("duration"):
            continue
        query = urlencode({"ordering": ordering, "cursor": _cursor(forged)})
        response = alice.get(f"{url}?{query}")
        _assert_envelope(response, 422)
        assert response.json()["errors"][0]["field"] == "cursor"


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_cursor_bytes_answer_a_page_or_422(raw):
    client = ApiClient()
    for ordering in ("-created_at", "title", "-duration"):
        query = urlencode({"ordering": ordering, "cursor": _cursor(raw)})
        _assert_envelope(client.get(f"/api/v1/catalog/videos?{query}"), 200, 422)


# --- query strings of every list ----------------------------------------------------

_ODD_VALUES = [
    "0",
    "-1",
    str(2**63),
    str(2**63 - 1),
    "9" * 30,
    "1e309",
    "-1e309",
    "nan",
    "inf",
    "٣",
    "²",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31",
    "2024-02-30T00:00:00",
    "a\x00b",
    "\x1b[31m",
    "",
]
ODD = st.one_of(
    st.sampled_from(_ODD_VALUES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=30),
)


def _get_operations():
    doc = api.get_openapi_schema()
    for url, methods in doc["paths"].items():
        params = [p for p in methods.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if params:
            yield url, [p["name"] for p in params]


GET_OPERATIONS = list(_get_operations())


@pytest.fixture
def page_owner(user):
    video = make_video(user)
    return user, video


@pytest.mark.parametrize("url,names", GET_OPERATIONS, ids=[u for u, _ in GET_OPERATIONS])
def test_odd_query_strings_never_500(page_owner, url, names):
    user, video = page_owner
    clients = (ApiClient(), ApiClient(user))
    path = url
    for name in ("video_id", "event_id", "playlist_id"):
        path = path.replace(f"{{{name}}}", str(video.id))

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(names), ODD, min_size=1, max_size=3))
    def check(query):
        for client in clients:
            _assert_envelope(client.get(f"{path}?{urlencode(query)}"))

    check()


def test_out_of_range_ids_and_dates_are_a_422(alice):
    for query in (
        "themes?channel=99999999999999999999999",
        "videos?created_after=0001-01-01T00:00:00",
        "catalog/videos?created_before=9999-12-31T23:59:59-23:00",
        "videos?duration_min=nan",
        "live/events?start_after=0001-01-01T00:00:00",
    ):
        _assert_envelope(alice.get(f"/api/v1/{query}"), 422)
