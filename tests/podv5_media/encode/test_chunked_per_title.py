"""PerTitle in a chunked job, for real: a generated 12 s clip, slides for 6 s then a noisy
moving picture for 6 s, encoded by the real ``media-encode`` in one pass and in 2 chunks
(cut at 6 s). Each chunk probes its own half and encodes each rung at its own CRF (read
back from the x264 settings string each chunk writes in its first frame's SEI); the
chunks' init segments still agree (``stitchable``), so the join makes one ladder with
the one-pass output's frames and segments, which ffmpeg plays without an error.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import m3u8
import pytest

from podv5_contract.spec import EncodingJobSpec
from podv5_media.encode.command import EncoderSettings
from podv5_media.encode.ladder import plan_encoding
from podv5_media.encode.per_title import FLOOR_VMAF
from podv5_media.encode.probe_encode import tune_plan
from podv5_media.probe import probe

from .test_chunked import _frames

pytestmark = pytest.mark.media

#: slides (lines of "text" changing every 2 s, a moving pointer) then testsrc2 under
#: temporal noise, 320x180 at 25 fps
MIXED = (
    "cellauto=size=140x60:rule=30:rate=1/2:random_fill_ratio=0.5:full=1:scroll=0,"
    "scale=280:120:flags=neighbor,format=yuv420p,drawgrid=w=iw:h=10:t=4:c=white,fps=25[text];"
    "color=c=white:size=320x180:rate=25:duration=6,format=yuv420p,"
    "drawbox=x=20:y=10:w=280:h=25:color=0x1f3b73:t=fill[page];"
    "[page][text]overlay=x=20:y=45:shortest=1,"
    "drawbox=x='220+30*sin(t)':y='120+15*cos(t)':w=4:h=4:color=red:t=fill[slides];"
    "testsrc2=size=320x180:rate=25:duration=6,noise=alls=20:allf=t,format=yuv420p[noise];"
    "[slides][noise]concat=n=2:v=1:a=0[out0]"
)
#: rates roomy enough for the noise: its CRFs come from the quality target, not the cap
LADDER = [
    {"name": "180p", "height": 180, "videoKbps": 3000, "audioKbps": 96},
    {"name": "120p", "height": 120, "videoKbps": 1500, "audioKbps": 64},
]


@pytest.fixture(scope="module")
def mixed_clip(ffmpeg_exe, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chunked-per-title") / "mixed.mp4"
    subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", MIXED, "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
         "-g", "25", "-pix_fmt", "yuv420p", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return path


def _segment_crfs(playlist: Path) -> list[float]:
    """The CRF of every x264 encode whose first frame is in the playlist's segments, in
    order (x264 writes its settings, ``... crf=20.6 ...``, in an SEI of its first frame)."""
    found = []
    for segment in m3u8.load(str(playlist)).segments:
        data = (playlist.parent / segment.uri).read_bytes()
        found += [float(m) for m in re.findall(rb" crf=([0-9.]+)", data)]
    return found


def _logged_crfs(stderr: str) -> list[dict[str, float]]:
    """The CRFs each chunk chose, as the join logs them (from the steps' manifests)."""
    found = re.findall(r"chunk (\d+) CRFs: (\{[^}]*\})", stderr)
    return [
        {name: float(crf) for name, crf in re.findall(r"'(\w+)': ([0-9.]+)", crfs)}
        for _, crfs in sorted(found)
    ]


def test_each_chunk_encodes_at_the_crfs_its_own_probe_chose(run_worker, mixed_clip, ffmpeg_exe):
    single = run_worker(mixed_clip, ladder=LADDER, rateControl="PerTitle")
    chunked = run_worker(mixed_clip, ladder=LADDER, rateControl="PerTitle", chunks=2)
    assert single.returncode == 0, single.stderr[-3000:]
    assert chunked.returncode == 0, chunked.stderr[-3000:]
    one, joined = single.output_dir, chunked.output_dir

    chosen = _logged_crfs(chunked.stderr)
    assert len(chosen) == 2 and set(chosen[0]) == set(chosen[1]) == {"180p", "120p"}
    for name in ("180p", "120p"):
        # each half got its own CRF, and its segments were encoded at it
        assert chosen[0][name] != chosen[1][name]
        playlist = joined / f"hls/{name}/index.m3u8"
        assert _segment_crfs(playlist) == [chosen[0][name], chosen[1][name]]
        # ...under one init segment, with the one-pass encode's frames and segments
        assert len(list(playlist.parent.glob("init_*.mp4"))) == 1
        expected = _frames(one / f"hls/{name}/index.m3u8", "video")
        assert _frames(playlist, "video") == expected and len(expected) == 300
        durations = [s.duration for s in m3u8.load(str(playlist)).segments]
        assert durations == [
            s.duration for s in m3u8.load(str(one / f"hls/{name}/index.m3u8")).segments
        ]
        assert durations == pytest.approx([2.0] * 6)
    # no rung dropped in a chunked job: the chunks decide apart
    assert [p.uri for p in m3u8.load(str(joined / "hls/master.m3u8")).playlists] == [
        "180p/index.m3u8", "120p/index.m3u8",
    ]  # fmt: skip

    played = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-v", "error", "-i", str(joined / "hls/master.m3u8"),
         "-map", "0", "-f", "null", "-"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert played.returncode == 0 and played.stderr == "", played.stderr


def test_a_chunk_keeps_the_rung_a_one_pass_probe_drops(ffmpeg_exe, tmp_path):
    """testsrc2 at 120p for 150 kbit/s: a one-pass probe drops the starved rung; a chunk's
    probe (its own span) keeps it, at the CRF its rate allows, as every chunk must."""
    source = tmp_path / "busy.mp4"
    subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=320x180:rate=25:duration=8", "-c:v", "libx264", "-preset",
         "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    ladder = [
        {"name": "180p", "height": 180, "videoKbps": 300, "audioKbps": 96},
        {"name": "120p", "height": 120, "videoKbps": 150, "audioKbps": 64},
    ]
    spec = EncodingJobSpec(
        job_id=uuid.uuid4(), video_id=uuid.uuid4(), source=source.as_uri(),
        output=(tmp_path / "out").as_uri() + "/", ladder=ladder, rate_control="PerTitle",
    )  # fmt: skip
    plan = plan_encoding(probe(source), spec)
    common = {"ffmpeg": ffmpeg_exe, "settings": EncoderSettings(), "workdir": tmp_path}

    whole = tune_plan(plan, source, **common)
    assert [d.dropped for d in whole.decisions] == [False, True]
    assert [r.name for r in whole.plan.renditions] == ["180p"]

    chunk = tune_plan(plan, source, within=(4.0, 4.0), drop_rungs=False, **common)
    assert [r.name for r in chunk.plan.renditions] == ["180p", "120p"]
    assert [r.crf for r in chunk.plan.renditions] == [d.crf for d in chunk.decisions]
    assert not any(d.dropped for d in chunk.decisions)
    # starved as in the whole title (rate-limited, under the floor), kept all the same
    assert chunk.decisions[1].rate_limited and chunk.decisions[1].vmaf < FLOOR_VMAF
