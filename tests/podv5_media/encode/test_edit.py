"""The edit's filter graph, built without running ffmpeg (``podv5_media.encode.edit``);
the clips in test_edit_clips.py check what it does."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from podv5_contract.outputs import Manifest
from podv5_media.encode.command import audio_filters
from podv5_media.encode.edit import CreditsClip, EditPlan, WatermarkPlan, edit_graph

RATE = Fraction(25)


def test_cut_trims_by_frame_and_sample_then_concats():
    edit = EditPlan(kept=((1.0, 2.0), (3.0, 3.52)), frame_rate=RATE)
    chains, v, a = edit_graph(
        edit, video="[0:0]fps=25", audio=["[0:1]anull", "[0:2]anull"], audio_filters="anull"
    )
    graph = ";".join(chains)
    assert (
        "trim=start_frame=25:end_frame=50" in graph and "trim=start_frame=75:end_frame=88" in graph
    )
    assert "[eda1_0]atrim=start_sample=48000:end_sample=96000" in graph  # each language
    assert "[edk0][edka0_0][edka1_0][edk1][edka0_1][edka1_1]concat=n=2:v=1:a=2" in graph
    assert (v, a) == ("[edcut]", ["[edcuta0]", "[edcuta1]"])
    assert edit.input_args() == []


def test_dressing_inputs_and_credits_order():
    edit = EditPlan(
        kept=None,
        frame_rate=RATE,
        size=(640, 360),
        watermark=WatermarkPlan(Path("/w/m.png"), "bottom-left", 0.5, 96, 11),
        opening=CreditsClip(Path("/w/o.mp4"), 0, None, 25),
        closing=CreditsClip(Path("/w/c.mp4"), 0, 1, 50),
    )
    assert edit.input_args() == ["-i", "/w/m.png", "-i", "/w/o.mp4", "-i", "/w/c.mp4"]
    chains, v, a = edit_graph(
        edit, video="[0:0]null", audio=["[0:1]anull"], audio_filters=audio_filters()
    )
    graph = ";".join(chains)
    assert "[1:v]format=rgba,scale=96:-1,colorchannelmixer=aa=0.500" in graph
    assert "overlay=x=11:y=main_h-overlay_h-11" in graph
    assert "anullsrc" in graph and "[3:1]aresample" in graph  # silence for the opening
    assert (
        "[edopeningv][edopeninga0][edmarked][edsrca0][edclosingv][edclosinga0]concat=n=3" in graph
    )
    assert (v, a) == ("[eddressed]", ["[eddresseda0]"])


def test_chapters_move_with_the_cut():
    edit = EditPlan(
        kept=((2.0, 4.0), (6.0, 10.0)),
        frame_rate=RATE,
        opening=CreditsClip(Path("/o"), 0, None, 25),
    )
    assert edit.source_time(1.0) is None  # cut
    assert edit.source_time(3.0) == 2.0  # 1 s of credits + 1 s in
    assert edit.source_time(7.0) == 4.0
    manifest = Manifest.model_validate(
        {
            "job_id": "j",
            "video_id": "v",
            "duration": 7.0,
            "source": {
                "container": "mp4",
                "duration": 10,
                "size_bytes": 1,
                "chapters": [{"title": "A", "start": 0.5}, {"title": "B", "start": 6.5}],
            },
            "hls": {"master": "m", "renditions": [], "segment_duration": 4},
            "total_size_bytes": 1,
        }
    )
    chapters = edit.remap_manifest(manifest).source.chapters
    assert [(c.title, c.start) for c in chapters] == [("B", 3.5)]
