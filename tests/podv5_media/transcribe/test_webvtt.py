"""Segments → WebVTT cues: line lengths, times inside the media, escaping."""

from podv5_media.transcribe.engines import Segment
from podv5_media.transcribe.webvtt import MAX_LINE, build_webvtt, timestamp
from tests.speech import parse_webvtt


def test_timestamps_are_hours_minutes_seconds_millis():
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3723.4567) == "01:02:03.457"


def test_a_long_segment_becomes_several_cues_of_two_short_lines():
    text = " ".join(["word"] * 60)  # 299 characters
    vtt, count = build_webvtt([Segment(10.0, 40.0, text)], duration=60)
    cues = parse_webvtt(vtt)
    assert count == len(cues) > 1
    assert cues[0].start == 10.0 and abs(cues[-1].end - 40.0) < 0.002
    for cue, following in zip(cues, cues[1:], strict=False):
        assert cue.end <= following.start
    for block in vtt.split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")[1:]
        assert 1 <= len(lines) <= 2 and all(len(line) <= MAX_LINE for line in lines)


def test_times_stay_inside_the_media_and_never_overlap():
    segments = [Segment(-1.0, 2.0, "one"), Segment(1.5, 4.0, "two"), Segment(9.0, 12.0, "three")]
    cues = parse_webvtt(build_webvtt(segments, duration=10.0)[0])
    assert [c.text for c in cues] == ["one", "two", "three"]
    assert cues[0].start == 0.0 and cues[1].start == 2.0 and cues[2].end == 10.0
    # a segment entirely past the end gives no cue
    assert build_webvtt([Segment(11, 12, "late")], duration=10.0)[1] == 0


def test_markup_is_escaped_so_no_tag_or_arrow_reaches_the_player():
    vtt, _ = build_webvtt([Segment(0, 1, "a <b> & --> c")], duration=5)
    assert parse_webvtt(vtt)[0].text == "a &lt;b&gt; &amp; --&gt; c"
