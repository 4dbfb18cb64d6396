"""The join of a chunked encode: one HLS ladder from the chunks' segments and the audio.

Input: the folders of the video chunks (in order) and of the audio step, each laid out as
a one-pass output (``hls/<rendition>/index.m3u8``, ``init_<rendition>.mp4``,
``seg_NNNNN.m4s``; ``poster.jpg`` and ``thumbs/<k>.png`` in the chunks that made them).
Output, under ``out``, the media a one-pass encode makes (its playlists, master playlist,
DASH manifest, MP4 fallback and manifest are then written by the one-pass code,
``hls.py``, ``dash.py``, ``run.py``, ``result.py``):

- per video rendition one media playlist listing every chunk's segments in order,
  renamed ``seg_<n>.m4s`` and re-timed onto the whole video's timeline (``fmp4.py``),
  with ONE init segment: the chunks' init segments must be the same bytes, else
  ``JoinError`` (they are, from the same encoder settings; a difference means the
  chunks were not made alike and their segments cannot share one);
- the alternate audio renditions (one per source audio stream, encoded once for the
  whole source by the audio step), their segments shifted by the video's composition
  delay so that sound and picture keep the one-pass encode's sync;
- the poster (from the chunk holding its frame) and the storyboard sprite, tiled from the
  chunks' thumbnails, with its WebVTT;
- the caption tracks the audio step made (``spec.transcribe``), at the paths its
  manifest gives (``captions/<language>.vtt``), as a one-pass encode lays them out.

Every chunk must hold the frames its span says (``JoinError`` otherwise): the joined
video has the one-pass encode's frames, each once, with no gap.
"""

from __future__ import annotations

import math
import os
import shutil
from fractions import Fraction
from pathlib import Path

import m3u8

from podv5_contract.outputs import CaptionOutput
from podv5_media.ffmpeg import FfmpegError, run_ffmpeg

from . import fmp4, layout
from .chunks import THUMB_PATTERN, THUMBS_DIR, ChunkSpan
from .command import AUDIO_SAMPLE_RATE, JPEG_QUALITY
from .ladder import EncodePlan

#: samples ffmpeg's AAC encoder puts before the first sound (``initial_padding``); the
#: audio step's muxer starts its timeline on them, so they are moved before the picture's
#: first instant, as a one-pass encode muxing both does
AAC_PRIMING_SAMPLES = 1024


class JoinError(Exception):
    """The chunks cannot be joined into one output (message says why)."""


def _segments(folder: Path) -> list[Path]:
    playlist = m3u8.loads((folder / "index.m3u8").read_text())
    if not playlist.segments or not playlist.is_endlist:
        raise JoinError(f"{folder.name}: empty or unfinished playlist")
    return [folder / s.uri for s in playlist.segments]


def _place(src: Path, dst: Path) -> None:
    """``dst`` holds ``src``'s bytes: a hard link when they share a filesystem (the
    chunk's file is then re-timed in place, which is idempotent), else a copy."""
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def join_video(
    plan: EncodePlan, spans: list[ChunkSpan], chunk_dirs: list[Path], out: Path
) -> float:
    """Join every video rendition (see the module docstring). Returns the video's
    composition delay (s: the first frame's presentation time, the same in every H.264
    rendition; the top one's, which the sound follows)."""
    delay = 0.0
    rate = Fraction(plan.frame_rate)
    for rendition in plan.renditions:
        name = rendition.name
        init_name = f"init_{name}.mp4"
        inits = [(d / layout.variant_dir(name) / init_name).read_bytes() for d in chunk_dirs]
        for i, init in enumerate(inits[1:], start=1):
            if init != inits[0]:
                raise JoinError(
                    f"rendition {name}: the init segment of chunk {i} differs from chunk 0's; "
                    "the chunks were not encoded alike and cannot share one init segment"
                )
        target = out / layout.variant_dir(name)
        target.mkdir(parents=True, exist_ok=True)
        (target / init_name).write_bytes(inits[0])
        timescales = fmp4.track_timescales(inits[0])
        if len(timescales) != 1:
            raise JoinError(f"rendition {name}: a video chunk must hold one track")
        [(track_id, (timescale, default))] = timescales.items()
        trex = {track_id: default}
        clock, number, durations = 0, 0, []
        for span, folder in zip(spans, chunk_dirs, strict=True):
            samples = 0
            expected_start = Fraction(span.first_frame * timescale) / rate
            if expected_start != clock:
                raise JoinError(
                    f"rendition {name}: chunk {span.index} starts at {clock / timescale:.6f} s "
                    f"on the joined timeline, {float(expected_start / timescale):.6f} s expected"
                )
            for segment in _segments(folder / layout.variant_dir(name)):
                placed = target / f"seg_{number:05d}.m4s"
                _place(segment, placed)
                run = fmp4.retime_file(placed, {track_id: clock}, number + 1, trex)[track_id]
                if number == 0 and rendition is plan.renditions[0]:
                    delay = run.first_cts / timescale
                clock += run.duration
                samples += run.samples
                durations.append(run.duration / timescale)
                number += 1
            if span.end_frame is not None and samples != span.end_frame - span.first_frame:
                raise JoinError(
                    f"rendition {name}: chunk {span.index} holds {samples} frames, "
                    f"{span.end_frame - span.first_frame} expected"
                )
        _write_media_playlist(target, init_name, durations)
    return delay


def join_audio(plan: EncodePlan, audio_dir: Path, out: Path, delay: float) -> None:
    """Place the alternate audio renditions (``plan.audio``), their decode times moved so
    that the first sound (after the encoder's priming samples) plays at ``delay``
    seconds, the first picture's instant: a sound and its picture keep the source's
    sync, as in a one-pass encode."""
    for track in plan.audio:
        folder = audio_dir / layout.variant_dir(track.name)
        init_name = f"init_{track.name}.mp4"
        init = (folder / init_name).read_bytes()
        target = out / layout.variant_dir(track.name)
        target.mkdir(parents=True, exist_ok=True)
        (target / init_name).write_bytes(init)
        [(track_id, (timescale, default))] = fmp4.track_timescales(init).items()
        priming = round(AAC_PRIMING_SAMPLES * timescale / AUDIO_SAMPLE_RATE)
        clock = max(0, round(delay * timescale) - priming)
        durations = []
        for number, segment in enumerate(_segments(folder)):
            placed = target / f"seg_{number:05d}.m4s"
            _place(segment, placed)
            run = fmp4.retime_file(placed, {track_id: clock}, number + 1, {track_id: default})
            clock += run[track_id].duration
            durations.append(run[track_id].duration / timescale)
        _write_media_playlist(target, init_name, durations)


def _write_media_playlist(folder: Path, init_name: str, durations: list[float]) -> None:
    """A VOD media playlist of ``seg_<n>.m4s`` (RFC 8216 §4.3.3)."""
    target = max(1, math.ceil(round(max(durations), 3)))
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-INDEPENDENT-SEGMENTS", f'#EXT-X-MAP:URI="{init_name}"']  # fmt: skip
    for n, duration in enumerate(durations):
        lines += [f"#EXTINF:{duration:.6f},", f"seg_{n:05d}.m4s"]
    lines.append("#EXT-X-ENDLIST")
    (folder / "index.m3u8").write_text("\n".join(lines) + "\n")


def tile_storyboard(plan: EncodePlan, chunk_dirs: list[Path], out: Path, ffmpeg: str) -> bool:
    """Tile the chunks' thumbnails into the sprite; False when there are none."""
    board = plan.storyboard
    if board is None:
        return False
    thumbs = out / THUMBS_DIR
    thumbs.mkdir(parents=True, exist_ok=True)
    found = 0
    for folder in chunk_dirs:
        for path in sorted((folder / THUMBS_DIR).glob("*.png")):
            _place(path, thumbs / path.name)
            found += 1
    if not found:
        shutil.rmtree(thumbs, ignore_errors=True)
        return False
    (out / layout.STORYBOARD_DIR).mkdir(parents=True, exist_ok=True)
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-framerate", "1", "-start_number", "0", "-i", str(thumbs / THUMB_PATTERN),
           "-vf", f"tile=layout={board.columns}x{board.rows}:color=black",
           "-frames:v", "1", "-c:v", "mjpeg", "-q:v", str(JPEG_QUALITY), "-update", "1",
           str(out / layout.STORYBOARD_IMAGE)]  # fmt: skip
    try:
        run_ffmpeg(cmd)
    except FfmpegError as exc:
        raise JoinError(f"storyboard: {exc}") from exc
    finally:
        shutil.rmtree(thumbs, ignore_errors=True)
    return True


def place_captions(captions: list[CaptionOutput], audio_dir: Path, out: Path) -> None:
    """Place each caption file of the audio step (``audio_dir``) at its path under
    ``out``; ``JoinError`` when one is missing or its size is not the one recorded."""
    for caption in captions:
        src, dst = audio_dir / caption.path, out / caption.path
        if not src.is_file() or src.stat().st_size != caption.size_bytes:
            raise JoinError(f"the audio step's caption file {caption.path} is missing")
        dst.parent.mkdir(parents=True, exist_ok=True)
        _place(src, dst)


def place_poster(chunk_dirs: list[Path], out: Path) -> bool:
    for folder in chunk_dirs:
        poster = folder / layout.POSTER
        if poster.is_file() and poster.stat().st_size > 0:
            _place(poster, out / layout.POSTER)
            return True
    return False
