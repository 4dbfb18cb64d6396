"""The WebVTT checker and the SRT converter on arbitrary input: a parsed result or a
clean 422 (``invalid_webvtt``/``invalid_srt``), never another exception (which the API
would answer as a 500).

Hypothesis feeds arbitrary text, arbitrary bytes, and valid files cut, spliced and
sprinkled with odd lines (white space only, huge hour counts, non-ASCII digits), to the
parsers and, for the cases found before, through the upload endpoint.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.captions.webvtt import CaptionInvalid, caption_to_webvtt, srt_to_webvtt, webvtt_check
from tests.api.captions.test_webvtt import GOOD_VTT, SRT
from tests.api.factories import make_video

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: lines that tripped or could trip the parsers
ODD_LINES = [
    " ",
    "\t",
    "  \t ",
    "WEBVTT",
    "NOTE",
    "STYLE",
    "REGION",
    "-->",
    "00:00.000 --> 00:01.000",
    "9" * 5000 + ":00:00.000 --> 00:01.000",
    "00:00:00,000 --> " + "9" * 5000 + ":00:00,000",
    "٠٠:٠٠.٠٠٠ --> ٠٠:٠١.٠٠٠",
    "²",
    "1",
    "00:00:01,000 --> 00:00:00,500",
    "",
    "\ufeff",
]
LINES = st.one_of(st.sampled_from(ODD_LINES), st.text(max_size=40))


def _files(good: bytes | str):
    text = good.decode() if isinstance(good, bytes) else good
    base = text.split("\n")
    return st.one_of(
        st.lists(LINES, max_size=20).map(lambda ls: "\n".join(ls)),
        st.lists(LINES, max_size=20).map(lambda ls: "WEBVTT\n\n" + "\n".join(ls)),
        st.tuples(st.integers(0, len(base)), st.lists(LINES, max_size=5)).map(
            lambda t: "\n".join(base[: t[0]] + t[1] + base[t[0] :])
        ),
        st.integers(0, len(text)).map(lambda i: text[:i]),
    )


def _parses_or_422(function, data) -> None:
    try:
        result = function(data)
    except CaptionInvalid as exc:
        assert exc.status == 422 and exc.code in ("invalid_webvtt", "invalid_srt")
        assert len(exc.message) < 500, exc.message
        return
    if isinstance(result, tuple):
        result = result[0]
    assert result.startswith("WEBVTT")


@FUZZ
@given(text=_files(GOOD_VTT))
def test_webvtt_check_on_any_text(text):
    _parses_or_422(webvtt_check, text.encode())
    _parses_or_422(caption_to_webvtt, text.encode())


@FUZZ
@given(text=_files(SRT))
def test_srt_to_webvtt_on_any_text(text):
    _parses_or_422(srt_to_webvtt, text.encode())
    _parses_or_422(caption_to_webvtt, text.encode())


@FUZZ
@given(data=st.binary(max_size=300))
def test_caption_parsers_on_any_bytes(data):
    _parses_or_422(caption_to_webvtt, data)
    _parses_or_422(caption_to_webvtt, b"WEBVTT\n\n" + data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"WEBVTT\n\n \n00:00.000 --> 00:01.000\nhello\n",  # a block opening with spaces
        b"WEBVTT\n\n\t\n",
        b"WEBVTT\n\n" + b"9" * 5000 + b":00:00.000 --> 00:01.000\nx\n",
        b"1\n00:00:00,000 --> " + b"9" * 5000 + b":00:00,000\nx\n",
    ],
)
def test_odd_caption_uploads_are_not_a_500(alice, user, body):
    video = make_video(user)
    response = alice.post(
        f"/api/v1/videos/{video.id}/tracks",
        {"lang": "fr", "kind": "captions", "file": SimpleUploadedFile("c.vtt", body)},
    )
    assert response.status_code in (201, 422), response.content
    if response.status_code == 422:
        assert response.json()["errors"][0]["code"] in ("invalid_webvtt", "invalid_srt")
