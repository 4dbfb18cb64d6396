"""Chapters embedded in a source file are found by the probe and go into
``manifest.json`` (``source.chapters``). The clips are real MP4 and Matroska files whose
chapters come from an ffmetadata file (ffmpeg's own metadata format)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from podv5_contract.outputs import SourceInfo
from podv5_media.probe import probe
from tests.conftest import FFMPEG, make_clip

#: (title, start s, end s) of the chapters written into the clips
CHAPTERS = [("Introduction", 0.0, 1.0), ("Été : la suite", 1.0, 2.5), ("", 2.5, 3.0)]


def add_chapters(source: Path, target: Path, chapters=CHAPTERS, extra=()) -> Path:
    """Copy ``source`` to ``target`` (no re-encoding) with ``chapters`` written from an
    ffmetadata file: ``[(title, start seconds, end seconds)]``; ``extra``: more output
    options."""
    lines = [";FFMETADATA1"]
    for title, start, end in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(start * 1000)}"]
        lines += [f"END={int(end * 1000)}"] + ([f"title={title}"] if title else [])
    meta = target.with_suffix(".ffmeta")
    meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-i", str(meta),
         "-map", "0", "-map_chapters", "1", "-c", "copy", *extra, str(target)],
        check=True,
    )  # fmt: skip
    return target


@pytest.fixture(scope="module")
def plain_clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("chapters") / "plain.mp4", seconds=3, size="160x120")


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_probe_reads_the_chapters(plain_clip, tmp_path, suffix):
    info = probe(add_chapters(plain_clip, tmp_path / f"chaptered{suffix}"))
    got = [(c.title, round(c.start, 2), round(c.end, 2)) for c in info.chapters]
    assert got == [(t, s, e) for t, s, e in CHAPTERS]


def test_chapters_go_into_the_manifest_source_block(plain_clip, tmp_path):
    source = probe(add_chapters(plain_clip, tmp_path / "chaptered.mp4")).to_source_info()
    dumped = source.model_dump(mode="json")
    assert [c["title"] for c in dumped["chapters"]] == ["Introduction", "Été : la suite", ""]
    assert [c["start"] for c in dumped["chapters"]] == [0.0, 1.0, 2.5]
    # what the API validates on encoding.succeeded accepts it
    assert SourceInfo.model_validate(dumped).chapters[1].title == "Été : la suite"


@pytest.mark.parametrize("timeline", ["media", "streams"])
def test_a_start_offset_is_taken_into_account(plain_clip, tmp_path, timeline):
    """Streams starting at 5 s (``-output_ts_offset``): chapters written from 0 (relative
    to the media) or from 5 s (in the streams' timeline) both come out from 0."""
    shift = 5.0 if timeline == "streams" else 0.0
    chapters = [(t, s + shift, e + shift) for t, s, e in CHAPTERS]
    clip = add_chapters(
        plain_clip, tmp_path / "offset.mkv", chapters, extra=("-output_ts_offset", "5")
    )
    info = probe(clip)
    assert info.start_time == pytest.approx(5.0, abs=0.1)
    assert [(c.title, round(c.start, 2)) for c in info.chapters] == [(t, s) for t, s, _ in CHAPTERS]


def test_a_source_without_chapters_has_none(plain_clip):
    info = probe(plain_clip)
    assert info.chapters == ()
    assert info.to_source_info().chapters == []


def test_chapters_past_the_end_are_dropped(plain_clip, tmp_path):
    clip = add_chapters(plain_clip, tmp_path / "late.mkv", [("In", 0, 1), ("Past", 9, 10)])
    assert [c.title for c in probe(clip).chapters] == ["In"]


def test_manifests_without_chapters_still_validate():
    """A ``source`` block written before chapters existed (no ``chapters`` key)."""
    old = {"container": "mov,mp4,m4a,3gp,3g2,mj2", "duration": 2.0, "size_bytes": 1000}
    assert SourceInfo.model_validate(old).chapters == []
