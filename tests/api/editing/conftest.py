"""Images and clips for the editing tests, generated with ffmpeg at test time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import FFMPEG


def ffmpeg_image(path: Path, *, colour: str = "red", size: str = "64x48") -> bytes:
    """One still image of a solid colour; the format follows the extension."""
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"color=c={colour}:s={size}", "-frames:v", "1", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def png(tmp_path) -> bytes:
    return ffmpeg_image(tmp_path / "mark.png")


@pytest.fixture
def jpeg(tmp_path) -> bytes:
    return ffmpeg_image(tmp_path / "poster.jpg", colour="green", size="320x180")


@pytest.fixture
def webp(tmp_path) -> bytes:
    return ffmpeg_image(tmp_path / "poster.webp", colour="blue", size="320x180")
