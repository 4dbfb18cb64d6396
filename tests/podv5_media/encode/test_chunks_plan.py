"""Where a long video is cut (pure): on segment boundaries, near the ideal points, after a
source keyframe; the chunks' frames partition the video; thumbnails and the poster go to
the chunk holding their frame; the chunk command keeps the one-pass keyframe instants."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from itertools import pairwise

from podv5_media.encode.chunks import (
    ChunkSpan,
    build_audio_command,
    build_chunk_command,
    plan_chunks,
)
from podv5_media.encode.ladder import EncodePlan, PlannedAudio, PlannedRendition, PosterPlan
from podv5_media.encode.storyboard import plan_storyboard

RENDITIONS = (
    PlannedRendition("720p", 1280, 720, 2800, 128),
    PlannedRendition("480p", 854, 480, 1400, 96),
    PlannedRendition("360p", 640, 360, 800, 96),
)


def make_plan(duration=600.0, rate=Fraction(25), segment=4.0) -> EncodePlan:
    return EncodePlan(
        renditions=RENDITIONS,
        video_stream=0,
        audio_stream=1,
        frame_rate=rate,
        duration=duration,
        segment_duration=segment,
        poster=PosterPlan(time=round(duration / 3, 3), width=1280, height=720),
        storyboard=plan_storyboard(duration, Fraction(16, 9), rate),
    )


def test_chunks_start_on_segment_boundaries_and_partition_the_frames():
    plan = make_plan(duration=600.0, rate=Fraction(30000, 1001))
    spans = plan_chunks(plan, 8)
    assert len(spans) == 8 and spans[0].first_frame == 0 and spans[-1].end_frame is None
    for a, b in pairwise(spans):
        assert a.end_frame == b.first_frame  # no gap, no overlap
        # the first frame at or after the boundary: the one-pass encode's forced keyframe
        assert b.first_frame == -(-b.first_segment * 4 * plan.frame_rate // 1)
    sizes = [b.first_segment - a.first_segment for a, b in pairwise(spans)]
    assert max(sizes) - min(sizes) <= 2 * 2  # near-equal (within the cut window)


def test_short_chunks_are_cut_at_the_ideal_points():
    # 30 segments in 8 chunks: no room to move a cut without unbalancing the chunks
    spans = plan_chunks(make_plan(duration=120.0), 8, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0])
    assert [s.first_segment for s in spans] == [round(i * 30 / 8) for i in range(8)]


def test_balance_comes_before_a_short_pre_roll():
    plan = make_plan(duration=120.0)  # 30 segments; 2 chunks: ideal cut at 60 s
    keyframes = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 55.5, 60.5, 70.0]
    [first, second] = plan_chunks(plan, 2, keyframes)
    # 56 s is 0.5 s after a keyframe, 60 s is 4.5 s after one: decoding 4 s more costs
    # less than a chunk 4 s longer than the other (the slowest chunk sets the job's time)
    assert second.first_segment == 15 and second.seek == 55.5
    assert first.seek == 0.0


def test_between_boundaries_as_close_to_the_ideal_the_one_after_a_keyframe_wins():
    plan = make_plan(duration=124.0)  # 31 segments; 2 chunks: ideal cut at 62 s
    # 60 s and 64 s are both 2 s from it; 60 s is 1 s after a keyframe, 64 s 5 s after
    keyframes = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 59.0, 70.0]
    [_, second] = plan_chunks(plan, 2, keyframes)
    assert second.first_segment == 15 and second.seek == 59.0
    keyframes = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 63.0, 70.0]
    [_, second] = plan_chunks(plan, 2, keyframes)
    assert second.first_segment == 16 and second.seek == 63.0


def test_a_lecture_is_cut_into_chunks_within_a_segment_of_the_ideal_size():
    # 20 min, a keyframe every 10 s plus scene cuts: 8 chunks of 150 s give or take 4 s
    keyframes = sorted({*range(0, 1200, 10), 23.0, 391.0, 777.0, 1111.0})
    spans = plan_chunks(make_plan(duration=1200.0), 8, [float(k) for k in keyframes])
    starts = [s.first_segment * 4 for s in spans] + [1200]
    assert all(abs((b - a) - 150) <= 4 for a, b in pairwise(starts)), starts


def test_without_an_index_the_decoder_starts_before_the_cut():
    [_, second] = plan_chunks(make_plan(duration=120.0), 2, None)
    assert second.seek == second.first_segment * 4 - 3.0


def test_a_short_video_gets_fewer_chunks():
    spans = plan_chunks(make_plan(duration=9.0), 8)
    assert [s.first_segment for s in spans] == [0, 1, 2]


def test_thumbnails_and_poster_go_to_the_chunk_with_their_frame():
    plan = make_plan(duration=600.0)  # a thumbnail every 10 s (60), the poster at 200 s
    spans = plan_chunks(plan, 4)
    ranges = [(s.thumbs_from, s.thumbs_to) for s in spans]
    assert ranges[0][0] == 0 and ranges[-1][1] == plan.storyboard.count
    assert all(a[1] == b[0] for a, b in pairwise(ranges))
    [with_poster] = [s for s in spans if s.poster]
    assert with_poster.first_frame <= 200 * 25 < with_poster.end_frame


def test_chunk_command_keeps_the_one_pass_keyframes_and_timeline():
    plan = make_plan(duration=60.0)
    span = ChunkSpan(index=1, first_segment=5, first_frame=500, end_frame=1000, seek=18.2,
                     thumbs_from=2, thumbs_to=4, poster=True)  # fmt: skip
    cmd = build_chunk_command(plan, span, ffmpeg="ffmpeg", source="in.mp4", out_dir="/o")
    line = " ".join(cmd)
    assert cmd[cmd.index("-i") - 1] == "18.200000" and "-copyts" in cmd
    assert "fps=25:start_time=0,format=yuv420p,trim=start_pts=500:end_pts=1000" in line
    # ffmpeg's t counts from the chunk's first frame (source 20 s): 0, 4, 8 s... of the chunk
    assert cmd[cmd.index("-force_key_frames") + 1] == ("expr:gte(t,(5+n_forced)*4-500*1/25-1e-6)")
    # x264 parameter sets that do not depend on the chunk's CRF: one init segment
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a.startswith("-x264-params:v:")] == [
        "stitchable=1"
    ] * len(plan.renditions)
    assert "-hls_segment_options use_editlist=0" in line and "-c:a" not in cmd
    assert "select='gte(t,(2+selected_n)*" in line and "-start_number 2" in line


def test_the_audio_step_makes_the_alternate_audio_renditions():
    tracks = (
        PlannedAudio("audio", 1, 128, "fr", "Français", True),
        PlannedAudio("audio-en", 2, 128, "en", "English", False),
    )
    plan = replace(make_plan(), audio=tracks)
    cmd = build_audio_command(plan, ffmpeg="ffmpeg", source="in.mp4", out_dir="/o")
    line = " ".join(cmd)
    assert "[0:1]aresample" in line and "[0:2]aresample" in line  # each stream once
    assert "a:0,name:audio,language:fr,default:yes a:1,name:audio-en,language:en" in cmd
    assert "libx264" not in cmd and "-b:a:1" in cmd
    video = build_chunk_command(plan, plan_chunks(plan, 2)[1], ffmpeg="f", source="s", out_dir="/o")
    assert "-c:a" not in video and "agroup" not in " ".join(video)  # chunks: video only
