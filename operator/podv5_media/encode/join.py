"""The join of a chunked encode: one HLS ladder from the chunks' segments and the audio.

Input: the folders of the video chunks (in order) and of the audio step, each laid out as
a one-pass output (``hls/<rendition>/index.m3u8``, ``init_<rendition>.mp4``,
``seg_NNNNN.m4s``; ``poster.jpg`` and ``thumbs/<k>.png`` in the chunks that made them).
Output, under ``out``, what a one-pass encode makes, but for the audio:

- per video rendition one media playlist listing every chunk's segments in order,
  renamed ``seg_<n>.m4s`` and re-timed onto the whole video's timeline (``fmp4.py``),
  with ONE init segment: the chunks' init segments must be the same bytes, else
  ``JoinError`` (they are, from the same encoder settings; a difference means the
  chunks were not made alike and their segments cannot share one);
- the audio renditions (``audio-<kbps>k``, encoded once for the whole source), their
  segments shifted by the video's composition delay so that sound and picture keep the
  source's sync, and a master playlist with an ``EXT-X-MEDIA`` audio group per bit
  rate, each video variant naming its rung's (RFC 8216 §4.3.4.1, §4.3.4.2: BANDWIDTH
  counts the variant's audio too);
- the MP4 fallback: a ``-c copy`` remux of a mid rung's joined playlist and its audio;
- the poster (from the chunk holding its frame) and the storyboard sprite, tiled from the
  chunks' thumbnails, with its WebVTT.

Every chunk must hold the frames its span says (``JoinError`` otherwise): the joined
video has the one-pass encode's frames, each once, with no gap.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import m3u8

from podv5_media.ffmpeg import FfmpegError, run_ffmpeg

from . import fmp4, layout
from .chunks import THUMB_PATTERN, THUMBS_DIR, ChunkSpan, audio_name, audio_renditions
from .command import AUDIO_SAMPLE_RATE, JPEG_QUALITY
from .hls import AAC_LC_CODEC, VariantStats, avc_codec_string
from .ladder import EncodePlan, PlannedRendition

#: samples ffmpeg's AAC encoder puts before the first sound (``initial_padding``); the
#: audio step's muxer starts its timeline on them, so they are moved before the picture's
#: first instant, as a one-pass encode muxing both does
AAC_PRIMING_SAMPLES = 1024


class JoinError(Exception):
    """The chunks cannot be joined into one output (message says why)."""


@dataclass(frozen=True)
class Track:
    """One joined rendition: its segments' durations (s) and sizes (bytes)."""

    rendition: PlannedRendition
    durations: list[float]
    sizes: list[int]
    init_size: int

    @property
    def duration(self) -> float:
        return sum(self.durations)

    def peak(self) -> int:
        pairs = zip(self.sizes, self.durations, strict=True)
        return math.ceil(max((s * 8 / d for s, d in pairs if d > 0), default=0))

    def average(self) -> int:
        return math.ceil(sum(self.sizes) * 8 / self.duration) if self.duration else 0


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
) -> tuple[dict[str, Track], float]:
    """Join every video rendition (see the module docstring). Returns the tracks by
    rendition name and the video's composition delay (s: the first frame's presentation
    time, the same in every rendition)."""
    tracks: dict[str, Track] = {}
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
        clock, number, durations, sizes = 0, 0, [], []
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
                if number == 0:
                    delay = run.first_cts / timescale
                clock += run.duration
                samples += run.samples
                durations.append(run.duration / timescale)
                sizes.append(placed.stat().st_size)
                number += 1
            if span.end_frame is not None and samples != span.end_frame - span.first_frame:
                raise JoinError(
                    f"rendition {name}: chunk {span.index} holds {samples} frames, "
                    f"{span.end_frame - span.first_frame} expected"
                )
        _write_media_playlist(target, init_name, durations)
        tracks[name] = Track(rendition, durations, sizes, len(inits[0]))
    return tracks, delay


def join_audio(plan: EncodePlan, audio_dir: Path, out: Path, delay: float) -> dict[str, Track]:
    """Place the audio renditions, their decode times moved so that the first sound
    (after the encoder's priming samples) plays at ``delay`` seconds, the first
    picture's instant: a sound and its picture keep the source's sync."""
    tracks = {}
    for rendition in audio_renditions(plan):
        name = rendition.name
        folder = audio_dir / layout.variant_dir(name)
        init_name = f"init_{name}.mp4"
        init = (folder / init_name).read_bytes()
        target = out / layout.variant_dir(name)
        target.mkdir(parents=True, exist_ok=True)
        (target / init_name).write_bytes(init)
        [(track_id, (timescale, default))] = fmp4.track_timescales(init).items()
        priming = round(AAC_PRIMING_SAMPLES * timescale / AUDIO_SAMPLE_RATE)
        clock = max(0, round(delay * timescale) - priming)
        durations, sizes = [], []
        for number, segment in enumerate(_segments(folder)):
            placed = target / f"seg_{number:05d}.m4s"
            _place(segment, placed)
            run = fmp4.retime_file(placed, {track_id: clock}, number + 1, {track_id: default})
            clock += run[track_id].duration
            durations.append(run[track_id].duration / timescale)
            sizes.append(placed.stat().st_size)
        _write_media_playlist(target, init_name, durations)
        tracks[name] = Track(rendition, durations, sizes, len(init))
    return tracks


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


def write_master(
    plan: EncodePlan, video: dict[str, Track], audio: dict[str, Track], out: Path
) -> list[VariantStats]:
    """``hls/master.m3u8`` with the audio groups; returns the variants as the manifest
    describes them (bandwidths, size and codecs including the variant's audio)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for name in audio:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{name}",NAME="{name}",DEFAULT=YES,'
            f'AUTOSELECT=YES,CHANNELS="2",URI="{name}/index.m3u8"'
        )
    variants = []
    rate = float(plan.frame_rate)
    for rendition in plan.renditions:
        track = video[rendition.name]
        init = out / layout.variant_dir(rendition.name) / f"init_{rendition.name}.mp4"
        codecs = [avc_codec_string(init.read_bytes())]
        peak, average, size = track.peak(), track.average(), sum(track.sizes) + track.init_size
        sound = audio.get(_audio_of(rendition))
        attributes = ""
        if sound is not None:
            codecs.append(AAC_LC_CODEC)
            peak += sound.peak()
            average += sound.average()
            size += sum(sound.sizes) + sound.init_size
            attributes = f',AUDIO="{sound.rendition.name}"'
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f'CODECS="{",".join(codecs)}",RESOLUTION={rendition.width}x{rendition.height},'
            f"FRAME-RATE={rate:.3f}{attributes}"
        )
        lines.append(f"{rendition.name}/index.m3u8")
        variants.append(
            VariantStats(
                rendition=rendition,
                playlist=layout.variant_playlist(rendition.name),
                duration=track.duration,
                size_bytes=size,
                peak_bandwidth=peak,
                average_bandwidth=average,
                codecs=",".join(codecs),
                segment_count=len(track.durations),
            )
        )
    (out / layout.MASTER_PLAYLIST).write_text("\n".join(lines) + "\n")
    return variants


def _audio_of(rendition: PlannedRendition) -> str:
    return audio_name(rendition.audio_kbps) if rendition.audio_kbps else ""


def remux_mp4(plan: EncodePlan, out: Path, ffmpeg: str, with_audio: bool) -> str | None:
    """The MP4 fallback: the joined playlist of ``plan.mp4_rendition`` and its audio,
    remuxed (``-c copy``) into a faststart MP4; its relative path, or None."""
    name = plan.mp4_rendition
    if name is None:
        return None
    rel = layout.mp4_path(name)
    (out / layout.MP4_DIR).mkdir(parents=True, exist_ok=True)
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-i", str(out / layout.variant_playlist(name))]  # fmt: skip
    maps = ["-map", "0:v:0"]
    rendition = plan.rendition(name)
    if with_audio and rendition.audio_kbps:
        cmd += ["-i", str(out / layout.variant_playlist(_audio_of(rendition)))]
        maps += ["-map", "1:a:0"]
    cmd += [*maps, "-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart",
            "-f", "mp4", str(out / rel)]  # fmt: skip
    try:
        run_ffmpeg(cmd)
    except FfmpegError as exc:
        raise JoinError(f"MP4 fallback: {exc}") from exc
    return rel


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


def place_poster(chunk_dirs: list[Path], out: Path) -> bool:
    for folder in chunk_dirs:
        poster = folder / layout.POSTER
        if poster.is_file() and poster.stat().st_size > 0:
            _place(poster, out / layout.POSTER)
            return True
    return False
