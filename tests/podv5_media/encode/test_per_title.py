"""Per-title rate control's decisions (pure): where the probe samples, how it reads its
probe points, which CRF each rung gets, which rungs go; and the probe's ffmpeg commands.

The real encodes (slides against noise, PerTitle against Fixed) are in
``test_rate_control.py``, next to the other modes'.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from podv5_media.encode.command import EncoderSettings
from podv5_media.encode.ladder import EncodePlan, PlannedRendition
from podv5_media.encode.per_title import (
    CRF_MIN,
    FLOOR_VMAF,
    PROBE_CRFS,
    SAMPLE_MAX,
    TOP_VMAF,
    ProbePoint,
    apply_decisions,
    choose,
    crf_for_kbps,
    crf_for_vmaf,
    kbps_at,
    sample_spans,
    vmaf_at,
)
from podv5_media.encode.probe_encode import (
    build_probe_encode_command,
    build_probe_vmaf_command,
    probe_file,
    tune_plan,
)
from podv5_media.encode.rate_control import video_rate_args

TOP = PlannedRendition("1080p", 1920, 1080, 5000, 128)
LOW = PlannedRendition("360p", 640, 360, 800, 96)
MID = PlannedRendition("720p", 1280, 720, 2800, 128)


def plan(*renditions: PlannedRendition, mode: str = "PerTitle", mp4: str | None = None):
    return EncodePlan(
        renditions=renditions or (TOP, MID, LOW),
        video_stream=0,
        audio_stream=1,
        frame_rate=Fraction(25),
        duration=600.0,
        segment_duration=4.0,
        rate_control=mode,
        mp4_rendition=mp4,
    )


def points(*triples: tuple[float, float, float]) -> list[ProbePoint]:
    return [ProbePoint(crf, kbps, vmaf) for crf, kbps, vmaf in triples]


# slides: cheap, and near-transparent already at the probe's best CRF
SLIDES = points((15, 300, 97.9), (23, 120, 95.0))
# camera noise at 1080p: the rung's 5000 kbit/s buy VMAF ~93
CAMERA = points((15, 10000, 96.0), (23, 2700, 88.0))


# --- sampling --------------------------------------------------------------------------------


def test_a_lecture_is_probed_in_short_excerpts_spread_over_it():
    spans = sample_spans(3600.0)
    assert sum(s.duration for s in spans) == pytest.approx(SAMPLE_MAX)
    assert all(s.duration <= 2.0 for s in spans)
    # one excerpt in each equal slice of the hour, in order
    slice_ = 3600 / len(spans)
    for i, span in enumerate(spans):
        assert i * slice_ <= span.start and span.start + span.duration <= (i + 1) * slice_


def test_a_short_clip_is_probed_for_at_least_two_seconds_and_never_past_its_end():
    (span,) = sample_spans(10.0)
    assert span.duration == pytest.approx(2.0)
    assert span.start == pytest.approx(4.0)  # in the middle
    (span,) = sample_spans(0.6)
    assert (span.start, span.duration) == (0.0, 0.6)
    assert sample_spans(0.0) == ()


# --- reading the probe points ----------------------------------------------------------------


def test_a_chunk_is_probed_within_its_own_span_by_the_same_rules():
    # the third of four 15-minute chunks of an hour: 4 % of it (capped), inside it
    spans = sample_spans(900.0, start=1800.0)
    assert [(s.start - 1800.0, s.duration) for s in spans] == [
        (pytest.approx(s.start), s.duration) for s in sample_spans(900.0)
    ]
    assert all(1800.0 <= s.start < s.start + s.duration <= 2700.0 for s in spans)
    assert sum(s.duration for s in spans) == pytest.approx(SAMPLE_MAX)


def test_the_chunks_of_a_title_share_its_sampling_budget():
    # an hour in four chunks: each samples a quarter of the title's 20 s, inside itself
    chunks = [sample_spans(900.0, start=900.0 * i, title=3600.0) for i in range(4)]
    assert [sum(s.duration for s in spans) for spans in chunks] == [
        pytest.approx(5.0, abs=0.01)
    ] * 4
    assert all(900.0 * i <= s.start <= 900.0 * (i + 1) for i, c in enumerate(chunks) for s in c)
    # ...but never less than SAMPLE_MIN each: a 20-minute lecture in 8 chunks
    eighth = sample_spans(150.0, start=150.0, title=1200.0)
    assert sum(s.duration for s in eighth) == pytest.approx(2.5, abs=0.01)
    assert sum(s.duration for s in sample_spans(30.0, title=1200.0)) == pytest.approx(2.0, abs=0.01)


def test_the_probe_points_are_read_exactly_and_the_rate_halves_about_every_six_crfs():
    assert vmaf_at(CAMERA, 15) == pytest.approx(96.0)
    assert kbps_at(CAMERA, 23) == pytest.approx(2700)
    # log-linear: halfway in CRF is the geometric mean of the rates
    assert kbps_at(CAMERA, 19) == pytest.approx((10000 * 2700) ** 0.5)
    # the loss (100 - VMAF) too: 4 and 12 give 6.93 halfway
    assert vmaf_at(CAMERA, 19) == pytest.approx(100 - (4 * 12) ** 0.5)
    # beyond the points: worse and cheaper further on, never past 100
    assert vmaf_at(CAMERA, 30) < vmaf_at(CAMERA, 23) and kbps_at(CAMERA, 30) < 2700
    assert 96.0 < vmaf_at(CAMERA, 10) < 100.0


def test_solving_for_a_vmaf_or_a_rate_gives_the_crf_that_meets_it():
    crf = crf_for_vmaf(CAMERA, 92.0)
    assert vmaf_at(CAMERA, crf) >= 92.0 > vmaf_at(CAMERA, crf + 0.2)
    crf = crf_for_kbps(CAMERA, 5000)
    assert kbps_at(CAMERA, crf) == pytest.approx(5000, rel=0.02)
    # out of reach: the best CRF allowed
    assert crf_for_vmaf(CAMERA, 99.99) == CRF_MIN


# --- the decision ----------------------------------------------------------------------------


def test_easy_content_gets_the_crf_of_the_top_target_far_under_the_rungs_rate():
    decision = choose(TOP, SLIDES, top=True)
    assert decision.vmaf == pytest.approx(TOP_VMAF, abs=0.05)
    assert not decision.rate_limited and not decision.dropped
    assert decision.kbps < 0.1 * TOP.video_kbps


def test_hard_content_never_gets_more_than_the_rungs_rate_on_average():
    decision = choose(TOP, CAMERA, top=True)
    assert decision.rate_limited
    assert decision.kbps == pytest.approx(TOP.video_kbps, rel=0.02)
    assert decision.vmaf < TOP_VMAF
    assert not decision.dropped  # the top rung always stays


def test_a_lower_rung_aims_below_what_its_resolution_allows():
    # a 360p rung of a 1080p lecture: ~72 however many bits (its resolution)
    soft = points((15, 150, 72.0), (23, 70, 70.0))
    decision = choose(LOW, soft, top=False)
    assert decision.target == pytest.approx(69.0)
    assert decision.crf > 23  # cheaper than its worst probe point
    assert not decision.rate_limited
    # under the floor, but its resolution holds it there, not its rate: kept
    assert decision.vmaf < FLOOR_VMAF and not decision.dropped


def test_a_lower_rung_its_rate_would_break_into_blocks_is_dropped():
    # high motion at 360p: VMAF 88 wants 3000 kbit/s; 800 give ~65
    starved = points((15, 3000, 88.0), (23, 1600, 80.0))
    decision = choose(LOW, starved, top=False)
    assert decision.rate_limited and decision.vmaf < FLOOR_VMAF
    assert decision.dropped
    # the same rung with three times the rate reaches the floor: kept
    roomy = PlannedRendition("360p", 640, 360, 2400, 96)
    assert not choose(roomy, starved, top=False).dropped


def test_the_decisions_set_the_crfs_and_drop_the_rungs():
    decisions = [
        choose(TOP, SLIDES, top=True),
        choose(MID, SLIDES, top=False),
        choose(LOW, points((15, 3000, 88.0), (23, 1600, 80.0)), top=False),
    ]
    tuned = apply_decisions(plan(mp4="360p"), decisions)
    assert [r.name for r in tuned.renditions] == ["1080p", "720p"]
    assert [r.crf for r in tuned.renditions] == [decisions[0].crf, decisions[1].crf]
    assert tuned.mp4_rendition == "720p"  # the MP4's rung went: the next one makes it
    # and the encode takes them (tenths of a CRF, under the rung's VBV cap)
    top = tuned.renditions[0]
    assert video_rate_args(tuned, top, stream=0) == [
        "-crf:v:0", f"{top.crf:g}", "-maxrate:v:0", "7500k", "-bufsize:v:0", "10000k",
    ]  # fmt: skip


# --- the probe's commands --------------------------------------------------------------------


def test_the_probe_encodes_every_rung_at_every_probe_crf_without_a_cap(tmp_path):
    span = sample_spans(600.0)[2]
    cmd = build_probe_encode_command(plan(), span, ffmpeg="ffmpeg", source="/s.mp4",
                                     folder=tmp_path, index=2,
                                     settings=EncoderSettings(preset="faster"))  # fmt: skip
    assert cmd[cmd.index("-ss") + 1] == f"{span.start:.3f}"
    assert cmd[cmd.index("-t") + 1] == f"{span.duration:.3f}"
    outputs = [a for a in cmd if a.endswith(".h264")]
    assert outputs == [str(probe_file(tmp_path, 2, i, crf)) for i in range(3) for crf in PROBE_CRFS]
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "-crf"] == [*map(str, PROBE_CRFS)] * 3
    assert "-maxrate" not in " ".join(cmd) and cmd.count("faster") == len(outputs)
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert "scale=640:360" in graph and "fps=25" in graph


def test_the_probe_scores_each_encode_upscaled_to_the_top_rung(tmp_path):
    cmd = build_probe_vmaf_command(plan(), sample_spans(600.0)[0], ffmpeg="ffmpeg",
                                   source="/s.mp4", folder=tmp_path, index=0)  # fmt: skip
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert graph.count("libvmaf=model=version=vmaf_v0.6.1") == 3 * len(PROBE_CRFS)
    assert graph.count("scale=1920:1080:flags=bicubic") == 3 * len(PROBE_CRFS)
    assert cmd.count("null") == 3 * len(PROBE_CRFS)


def test_a_failing_probe_leaves_the_static_crfs(tmp_path):
    source = tmp_path / "missing.mp4"
    result = tune_plan(plan(), source, ffmpeg=str(tmp_path / "no-ffmpeg"),
                       settings=EncoderSettings(), workdir=tmp_path)  # fmt: skip
    assert result.plan == plan() and result.decisions == ()
    # other modes are not probed at all
    assert tune_plan(plan(mode="Fixed"), source, ffmpeg="x", settings=EncoderSettings()).plan == (
        plan(mode="Fixed")
    )
