"""Ladder planning (pure): no upscaling, source-height rung, aspect, rotation, even sizes."""

from __future__ import annotations

import uuid
from fractions import Fraction

import pytest

from podv5_contract.spec import DEFAULT_LADDER, EncodingJobSpec, Extras, Rendition
from podv5_media.encode.ladder import (
    output_frame_rate,
    pick_mp4_rendition,
    plan_encoding,
    plan_video_ladder,
)
from podv5_media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo


def video(width, height, *, rotation=0, sar=Fraction(1), rate=Fraction(25)):
    return VideoStreamInfo(
        index=0, codec="h264", width=width, height=height, rotation=rotation, sar=sar,
        pix_fmt="yuv420p", frame_rate=rate,
    )  # fmt: skip


def sizes(renditions):
    return [(r.width, r.height) for r in renditions]


def test_1080p_source_keeps_the_default_ladder():
    planned = plan_video_ladder(DEFAULT_LADDER, video(1920, 1080))
    assert [r.name for r in planned] == ["1080p", "720p", "480p", "360p"]
    assert sizes(planned) == [(1920, 1080), (1280, 720), (854, 480), (640, 360)]
    assert [r.video_kbps for r in planned] == [5000, 2800, 1400, 800]


def test_no_upscaling_and_a_rung_at_source_height_between_rungs():
    planned = plan_video_ladder(DEFAULT_LADDER, video(1440, 810))
    assert [r.name for r in planned] == ["810p", "720p", "480p", "360p"]
    assert planned[0].height == 810 and planned[0].width == 1440
    assert planned[0].video_kbps == round(5000 * (810 / 1080) ** 2)
    assert planned[0].audio_kbps == 128


def test_source_just_above_a_rung_gets_no_extra_rung():
    planned = plan_video_ladder(DEFAULT_LADDER, video(1308, 736))
    assert [r.name for r in planned] == ["720p", "480p", "360p"]


def test_odd_dimensions_give_even_sizes():
    planned = plan_video_ladder(DEFAULT_LADDER, video(641, 479))
    assert sizes(planned) == [(640, 478), (482, 360)]
    assert all(w % 2 == 0 and h % 2 == 0 for w, h in sizes(planned))


def test_source_smaller_than_every_rung_gives_one_rung_at_its_height():
    planned = plan_video_ladder(DEFAULT_LADDER, video(480, 352))
    assert sizes(planned) == [(480, 352)]
    assert planned[0].video_kbps == round(800 * (352 / 360) ** 2)


def test_rotation_swaps_the_display_size():
    planned = plan_video_ladder(DEFAULT_LADDER, video(1920, 1080, rotation=90))
    # portrait 1080x1920: every rung fits, widths follow the 9:16 aspect
    assert sizes(planned) == [(608, 1080), (404, 720), (270, 480), (202, 360)]


def test_sample_aspect_ratio_is_applied_for_square_pixel_outputs():
    # DVD PAL 16:9: 720x576 with SAR 64:45 -> 1024x576 display
    planned = plan_video_ladder(DEFAULT_LADDER, video(720, 576, sar=Fraction(64, 45)))
    assert sizes(planned) == [(1024, 576), (854, 480), (640, 360)]


def test_no_audio_means_no_audio_bitrate():
    planned = plan_video_ladder(DEFAULT_LADDER, video(640, 360), with_audio=False)
    assert [r.audio_kbps for r in planned] == [None]


@pytest.mark.parametrize(
    "rate, expected",
    [
        (Fraction(30), Fraction(30)),
        (Fraction(30000, 1001), Fraction(30000, 1001)),
        (Fraction(369000, 13657), Fraction(27)),  # a phone's VFR average
        (Fraction(120), Fraction(60)),
        (Fraction(100), Fraction(50)),
        (None, Fraction(25)),
        (Fraction(1, 2), Fraction(1)),
    ],
)
def test_output_frame_rate(rate, expected):
    assert output_frame_rate(rate) == expected


def _spec(**extras):
    ladder = [Rendition(name="720p", height=720, video_kbps=2800, audio_kbps=128),
              Rendition(name="360p", height=360, video_kbps=800, audio_kbps=96)]  # fmt: skip
    return EncodingJobSpec(
        job_id=uuid.uuid4(), video_id=uuid.uuid4(), source="file:///s.mp4",
        output="file:///out/", ladder=ladder, extras=Extras(**extras),
    )  # fmt: skip


def _info(video_info=None, audio=True, duration=60.0):
    return MediaInfo(
        container="mov,mp4", duration=duration, start_time=0.0, size_bytes=1,
        video=video_info,
        audio=AudioStreamInfo(index=1, codec="aac", channels=2, sample_rate=48000)
        if audio else None,
    )  # fmt: skip


def test_audio_only_source_gives_one_audio_rendition():
    plan = plan_encoding(_info(None), _spec())
    assert plan.audio_only and not plan.has_video
    assert [(r.name, r.width, r.audio_kbps) for r in plan.renditions] == [("audio", None, 128)]
    assert plan.poster is None and plan.storyboard is None and plan.mp4_rendition == "audio"


def test_full_plan_poster_storyboard_and_mp4():
    plan = plan_encoding(_info(video(1280, 720)), _spec())
    assert plan.poster.time == 20.0 and (plan.poster.width, plan.poster.height) == (1280, 720)
    assert plan.storyboard.interval == 1 and plan.storyboard.count == 60
    assert plan.mp4_rendition == "720p"
    assert plan.frame_rate == 25


def test_short_clip_poster_is_the_first_frame_and_extras_can_be_off():
    plan = plan_encoding(_info(video(640, 360), duration=1.5), _spec(mp4=False, storyboard=False))
    assert plan.poster.time == 0.0
    assert plan.storyboard is None and plan.mp4_rendition is None


def test_mp4_rendition_is_the_tallest_up_to_720p():
    planned = plan_video_ladder(DEFAULT_LADDER, video(1920, 1080))
    assert pick_mp4_rendition(planned) == "720p"
    assert pick_mp4_rendition(plan_video_ladder(DEFAULT_LADDER[:1], video(1920, 1080))) == "1080p"


# --- alternate audio renditions -------------------------------------------------------------


def _track(index, language=None, **flags):
    from podv5_media.probe import AudioStreamInfo

    return AudioStreamInfo(index, "aac", 2, 48000, language=language, **flags)


def test_audio_renditions_default_first_and_unique_names():
    from podv5_media.encode.ladder import DESCRIBES_VIDEO, plan_audio_renditions

    tracks = [
        _track(1, "en", descriptions=True, default=True),  # a description is never the default
        _track(2, "fr", title="Français"),
        _track(3, "en", default=True),
        _track(4, None, commentary=True),
    ]
    planned = plan_audio_renditions(tracks, 128)
    assert [(a.name, a.stream, a.default) for a in planned] == [
        ("audio-en", 3, True),
        ("audio-en-2", 1, False),
        ("audio-fr", 2, False),
        ("audio-4", 4, False),
    ]
    assert planned[1].characteristics == (DESCRIBES_VIDEO,)
    assert planned[1].label == "en (audio description)"
    assert planned[2].label == "Français"
    assert planned[3].commentary and planned[3].label == "Audio 4 (commentary)"
    assert {a.kbps for a in planned} == {128}


def test_audio_renditions_without_a_main_track_take_the_first():
    from podv5_media.encode.ladder import plan_audio_renditions

    planned = plan_audio_renditions([_track(5, "de", commentary=True)], 96)
    assert [(a.name, a.default) for a in planned] == [("audio-de", True)]
    assert plan_audio_renditions([], 96) == ()
