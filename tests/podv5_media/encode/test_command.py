"""The ffmpeg command builder (pure) and a real run of the bare command it builds."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import pytest

from podv5_media.encode.command import (
    EncoderSettings,
    build_ffmpeg_command,
    build_remux_command,
)
from podv5_media.encode.ladder import EncodePlan, PlannedRendition, PosterPlan
from podv5_media.encode.storyboard import plan_storyboard

RENDITIONS = (
    PlannedRendition("720p", 1280, 720, 2800, 128),
    PlannedRendition("360p", 640, 360, 800, 96),
)


def make_plan(**overrides) -> EncodePlan:
    values = dict(
        renditions=RENDITIONS,
        video_stream=0,
        audio_stream=1,
        frame_rate=Fraction(30),
        duration=3.0,
        segment_duration=2.0,
        poster=PosterPlan(time=1.0, width=1280, height=720),
        storyboard=plan_storyboard(3.0, Fraction(16, 9), Fraction(30)),
        mp4_rendition="360p",
    )
    values.update(overrides)
    return EncodePlan(**values)


def arg(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_one_input_one_split_every_output():
    cmd = build_ffmpeg_command(make_plan(), ffmpeg="ffmpeg", source="/in.mov", out_dir="/o")
    assert cmd.count("-i") == 1 and arg(cmd, "-i") == "/in.mov"
    graph = arg(cmd, "-filter_complex")
    assert graph.count(",split=") == 1 and "split=4[v0][v1][vposter][vsprite]" in graph
    assert "[0:0]bwdif=mode=send_frame:deint=interlaced,fps=30:start_time=0,format=yuv420p" in graph
    assert "scale=1280:720" in graph and "scale=640:360" in graph
    assert "trim=start=1.000,trim=end_frame=1" in graph
    assert "tile=layout=3x1:color=black" in graph
    assert "[0:1]aresample=48000" in graph and "channel_layouts=stereo" in graph
    assert "asplit=2[aout0][aout1]" in graph
    maps = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-map"]
    assert maps == ["[vout0]", "[vout1]", "[aout0]", "[aout1]", "[poster]", "[sprite]"]
    assert arg(cmd, "-var_stream_map") == "v:0,a:0,name:720p v:1,a:1,name:360p"
    assert cmd[-1] == "/o/storyboard/sprite.jpg"
    assert "/o/poster.jpg" in cmd and "/o/hls/%v/index.m3u8" in cmd


def test_encoder_settings_keyframes_and_hls_options():
    cmd = build_ffmpeg_command(
        make_plan(), ffmpeg="ffmpeg", source="/in", out_dir="/o",
        settings=EncoderSettings(preset="medium", threads=2),
    )  # fmt: skip
    assert arg(cmd, "-c:v") == "libx264" and arg(cmd, "-preset") == "medium"
    assert arg(cmd, "-pix_fmt") == "yuv420p" and arg(cmd, "-threads") == "2"
    assert arg(cmd, "-force_key_frames") == "expr:gte(t,n_forced*2)"
    assert arg(cmd, "-sc_threshold") == "0" and arg(cmd, "-flags") == "+cgop"
    assert arg(cmd, "-b:v:0") == "2800k" and arg(cmd, "-maxrate:v:1") == "1200k"
    assert arg(cmd, "-b:a:1") == "96k" and arg(cmd, "-ar") == "48000" and arg(cmd, "-ac") == "2"
    assert arg(cmd, "-hls_segment_type") == "fmp4" and arg(cmd, "-hls_playlist_type") == "vod"
    assert arg(cmd, "-hls_flags") == "independent_segments" and arg(cmd, "-hls_time") == "2"
    assert arg(cmd, "-master_pl_name") == "master.m3u8"
    assert arg(cmd, "-progress") == "pipe:1"


def test_audio_only_and_video_only():
    audio = build_ffmpeg_command(
        make_plan(renditions=(PlannedRendition("audio", None, None, None, 128),),
                  video_stream=None, frame_rate=None, poster=None, storyboard=None),
        ffmpeg="ffmpeg", source="/in", out_dir="/o",
    )  # fmt: skip
    assert arg(audio, "-var_stream_map") == "a:0,name:audio"
    assert "-c:v" not in audio and ",split=" not in arg(audio, "-filter_complex")
    assert arg(audio, "-hls_fmp4_init_filename") == "init_audio.mp4"
    silent = build_ffmpeg_command(
        make_plan(audio_stream=None, poster=None, storyboard=None),
        ffmpeg="ffmpeg", source="/in", out_dir="/o",
    )  # fmt: skip
    assert arg(silent, "-var_stream_map") == "v:0,name:720p v:1,name:360p"
    assert "-c:a" not in silent and "aresample" not in arg(silent, "-filter_complex")


def test_remux_is_a_stream_copy_with_faststart():
    cmd = build_remux_command(ffmpeg="ffmpeg", playlist="/o/hls/360p/index.m3u8", output="/o/x.mp4")
    assert arg(cmd, "-c") == "copy" and arg(cmd, "-movflags") == "+faststart"
    assert cmd[-1] == "/o/x.mp4"


@pytest.mark.media
def test_the_bare_command_runs(ffmpeg_exe, make_clip, tmp_path):
    plan = make_plan(
        renditions=(PlannedRendition("240p", 320, 240, 400, 64),
                    PlannedRendition("120p", 160, 120, 150, 64)),
        poster=PosterPlan(time=0.5, width=320, height=240),
        storyboard=plan_storyboard(2.0, Fraction(4, 3), Fraction(25)),
        frame_rate=Fraction(25), duration=2.0,
    )  # fmt: skip
    for name in ("240p", "120p"):
        (tmp_path / "hls" / name).mkdir(parents=True)
    (tmp_path / "storyboard").mkdir()
    cmd = build_ffmpeg_command(
        plan, ffmpeg=ffmpeg_exe, source=make_clip("plain"), out_dir=tmp_path, progress=False
    )
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    for path in ("hls/master.m3u8", "hls/240p/index.m3u8", "hls/120p/init_120p.mp4",
                 "poster.jpg", "storyboard/sprite.jpg"):  # fmt: skip
        assert (tmp_path / path).stat().st_size > 0, path
