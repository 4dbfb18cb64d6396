"""Storyboard geometry and WebVTT."""

from __future__ import annotations

from fractions import Fraction

from podv5_media.encode.storyboard import build_vtt, plan_storyboard


def test_short_clip_one_thumbnail_per_second():
    plan = plan_storyboard(2.5, Fraction(16, 9), Fraction(25))
    assert (plan.interval, plan.count, plan.columns, plan.rows) == (1, 3, 3, 1)
    assert (plan.tile_width, plan.tile_height) == (160, 90)


def test_long_video_at_most_100_thumbnails():
    plan = plan_storyboard(3 * 3600, Fraction(16, 9), Fraction(30))
    assert plan.interval == 120 and plan.count <= 100
    assert plan.columns == 10 and plan.rows == 9
    assert plan_storyboard(601, Fraction(4, 3), Fraction(25)).interval == 10


def test_portrait_tiles_and_vtt_fragments():
    plan = plan_storyboard(12.0, Fraction(9, 16), Fraction(30))
    assert plan.interval == 1 and plan.count == 12 and (plan.columns, plan.rows) == (10, 2)
    assert (plan.tile_width, plan.tile_height) == (160, 284)
    vtt = build_vtt(plan, "sprite.jpg", 12.0)
    cues = vtt.split("\n\n")
    assert cues[0] == "WEBVTT"
    assert cues[1] == "00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,284"
    assert cues[11] == "00:00:10.000 --> 00:00:11.000\nsprite.jpg#xywh=0,284,160,284"
    assert cues[12].startswith("00:00:11.000 --> 00:00:12.000\nsprite.jpg#xywh=160,284,")
