"""Odd input on the media path over real HTTP never answers a 500: Unicode digits (``¹``)
and 4,400-digit numbers in tokens and Range headers, malformed ranges, NUL bytes in paths.
Hypothesis then sends arbitrary Range values and tokens: each answer is one a player can
act on (200/206/416 for a range, 403/404 for a token)."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.playback.conftest import plain_url, tokened_url

SEGMENT = "hls/v0/seg_00000.m4s"  # 4,000 bytes
SIZE = 4000
HUGE = "9" * 4400  # past Python's int() limit of 4,300 digits
#: run the property tests against the live server, which fixtures start once per test
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def get_range(server, url: str, value: str | bytes):
    """GET ``url`` with ``Range: value`` (str as Latin-1, as servers decode header bytes)."""
    raw = value.encode("latin-1") if isinstance(value, str) else value
    return server.get(url, headers=[(b"Range", raw)])


@pytest.mark.parametrize(
    ("value", "status", "content_range"),
    [
        (f"bytes={HUGE}-", 416, f"bytes */{SIZE}"),
        (f"bytes=0-{HUGE}", 206, f"bytes 0-{SIZE - 1}/{SIZE}"),
        (f"bytes=-{HUGE}", 206, f"bytes 0-{SIZE - 1}/{SIZE}"),
        (f"bytes={'0' * 30}10-19", 206, f"bytes 10-19/{SIZE}"),
        ("bytes=¹-²", 200, None),  # not 1*DIGIT: ignored, the whole file
        ("bytes=5-2", 416, f"bytes */{SIZE}"),
        ("bytes=-0", 416, f"bytes */{SIZE}"),
        ("BYTES=0-0", 206, f"bytes 0-0/{SIZE}"),
        ("bytes=0-1,5-6", 200, None),
        ("items=0-1", 200, None),
        ("bytes=-", 200, None),
    ],
)
def test_odd_ranges(server, private_video, value, status, content_range):
    response = get_range(server, tokened_url(private_video, SEGMENT), value)
    assert response.status_code == status, response.text
    assert response.headers.get("content-range") == content_range
    if status == 416:
        assert response.json()["errors"][0]["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("expires", ["¹", "²³⁴", "١٢٣", HUGE, "-1", "+99999999999", " 1", ""])
def test_odd_token_expiries(server, private_video, expires):
    good = tokened_url(private_video)
    token = good.split("/")[3]
    signature = token.partition(".")[2]
    response = server.get(good.replace(token, quote(f"{expires}.{signature}")))
    assert response.status_code in (403, 404), response.text
    assert response.json()["status"] == "error"


def test_nul_bytes_and_odd_paths(server, public_video, private_video):
    for url in (
        plain_url(public_video, "hls/%00.m3u8"),
        tokened_url(private_video, "hls/v0/%00"),
        tokened_url(private_video, "hls/" + "a" * 5000),  # longer than the OS allows
    ):
        response = server.get(url)
        assert response.status_code == 404, (url, response.text)


#: header values as a raw client may send them: any printable text, and range-like ones
_printable = st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0xFF)
_numberish = st.one_of(
    st.just(""),
    st.integers(0, 10**6).map(str),
    st.integers(0, 2**70).map(str),
    st.text("0123456789¹²³", max_size=25),
    st.integers(4290, 4420).map(lambda n: "7" * n),
)
range_values = st.one_of(
    st.text(_printable, max_size=40).map(str.strip),
    st.builds(lambda a, b: f"bytes={a}-{b}", _numberish, _numberish),
    st.builds(lambda a, b, c: f"bytes={a}-{b},{c}-", _numberish, _numberish, _numberish),
)


@PROPERTY
@given(value=range_values)
def test_any_range_header_gets_a_media_answer(server, private_video, value):
    response = get_range(server, tokened_url(private_video, SEGMENT), value)
    assert response.status_code in (200, 206, 416), (value[:80], response.text[:200])
    if response.status_code == 206:
        first, last = map(int, response.headers["content-range"][6:].split("/")[0].split("-"))
        assert len(response.content) == last - first + 1
    assert response.headers["access-control-allow-origin"] == "*"


tokens = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.builds(lambda e, s: f"{e}.{s}", _numberish, st.text(max_size=30)),
)


@PROPERTY
@given(token=tokens)
def test_any_token_gets_403_or_404(server, private_video, token):
    path = tokened_url(private_video).split("/", 4)[4]
    response = server.get(f"/media/t/{quote(token, safe='')}/{path}")
    assert response.status_code in (403, 404), (token[:80], response.text[:200])
    assert response.json()["status"] == "error"


def test_an_expired_token_of_unicode_digits_is_not_a_500(server, private_video):
    """The reported crash: ``isdigit()`` accepted ``¹``, then ``int()`` failed (500)."""
    good = tokened_url(private_video, expires=int(time.time()) + 60)
    token = good.split("/")[3]
    bad = good.replace(token, quote("¹" + token[1:]))
    assert server.get(bad).status_code == 403
