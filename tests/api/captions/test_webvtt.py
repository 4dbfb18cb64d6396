"""The WebVTT checker and the SRT → WebVTT converter (no HTTP)."""

from __future__ import annotations

import pytest

from api.captions.webvtt import CaptionInvalid, caption_to_webvtt, srt_to_webvtt, webvtt_check

GOOD_VTT = """WEBVTT - a lecture

STYLE
::cue { color: yellow }

NOTE written by hand

intro
00:00.000 --> 00:01.500 align:start line:0
<v Prof>Bonjour à tous</v>

01:00:01.000 --> 01:00:02.000
<i>music</i>
second line
"""

SRT = """1
00:00:00,000 --> 00:00:01,500
<font color="#ffff00">Bonjour</font> à <i>tous</i>

2
00:00:02,250 --> 00:00:04,000 X1:10 X2:20 Y1:10 Y2:20
{\\an8}Line one
Line --> two

"""


def test_a_valid_file_passes_with_crlf_and_bom_normalised():
    data = ("\ufeff" + GOOD_VTT).replace("\n", "\r\n").encode()
    assert webvtt_check(data) == GOOD_VTT


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("WEBVTTX\n\n00:00.000 --> 00:01.000\nhi\n", 1, 'starts with a line "WEBVTT"'),
        ("hello\n", 1, "WEBVTT"),
        ("WEBVTT\n00:00.000 --> 00:01.000\nhi\n", 2, "blank line"),
        ("WEBVTT\n\n00:00.000 -> 00:01.000\nhi\n", 3, "timing"),
        ("WEBVTT\n\nid\n00:00.000 --> 00:01.000\nhi\n\n0:0.5 --> 0:1.0\nho\n", 7, "timing"),
        ("WEBVTT\n\n00:61.000 --> 01:01.000\nhi\n", 3, "bad cue timing"),
        ("WEBVTT\n\n00:00.00 --> 00:01.000\nhi\n", 3, "bad cue timing"),
        ("WEBVTT\n\n00:02.000 --> 00:01.000\nhi\n", 3, "ends before it starts"),
        ("WEBVTT\n\n00:02.000 --> 00:03.000\na\n\n00:01.000 --> 00:04.000\nb\n", 6, "order"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n00:01.000 --> 00:02.000\n", 5, "-->"),
        ("WEBVTT\n\njust an id\n", 3, "timing line"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n\nSTYLE\n::cue {}\n", 6, "before the cues"),
    ],
)
def test_malformed_webvtt_names_the_line(text, line, message):
    with pytest.raises(CaptionInvalid) as caught:
        webvtt_check(text.encode())
    assert caught.value.code == "invalid_webvtt" and caught.value.status == 422
    assert caught.value.message.startswith(f"Line {line}:") and message in caught.value.message


@pytest.mark.parametrize(
    "data", [b"WEBVTT\n", b"WEBVTT\n\nNOTE nothing else\n", b"WEBVTT\n\n\xff\xfe\n", b"\x00" * 10]
)
def test_empty_or_binary_files_are_refused(data):
    with pytest.raises(CaptionInvalid):
        caption_to_webvtt(data)


def test_srt_becomes_valid_webvtt():
    vtt = srt_to_webvtt(SRT.encode("utf-8"))
    assert vtt == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.500\nBonjour à <i>tous</i>\n\n"
        "00:00:02.250 --> 00:00:04.000\nLine one\nLine → two\n"
    )
    assert webvtt_check(vtt) == vtt


def test_content_decides_the_format():
    assert caption_to_webvtt(GOOD_VTT.encode())[1] == "vtt"
    assert caption_to_webvtt(("\ufeff" + SRT).replace("\n", "\r\n").encode())[1] == "srt"


@pytest.mark.parametrize(
    "text",
    [
        "1\n00:00:01 --> 00:00:02\nno millis\n",
        "1\nhello\n",
        "1\n00:00:05,000 --> 00:00:01,000\nbackwards\n",
        "",
    ],
)
def test_bad_srt_is_refused(text):
    with pytest.raises(CaptionInvalid) as caught:
        srt_to_webvtt(text.encode())
    assert caught.value.code == "invalid_srt"
