"""Reading and re-timing fragmented MP4 (CMAF) segments, as ffmpeg's HLS muxer writes them.

A chunk of a long video is encoded on its own, so its segments' decode times start at 0.
Joining the chunks puts each segment on the whole video's timeline: its ``tfdt``
(``baseMediaDecodeTime``, ISO/IEC 14496-12 §8.8.12) is set to the sum of the sample
durations before it, its ``sidx`` (§8.16.3) ``earliest_presentation_time`` moves by the
same amount, and its ``mfhd`` sequence number becomes its rank in the playlist. Nothing
else changes: the samples, and the init segment, stay byte for byte what the encoder made.

Box layout handled (what ``hlsenc``/``movenc`` write for ``-hls_segment_type fmp4``)::

    styp  sidx*  moof (mfhd, traf (tfhd, tfdt, trun+)+)  mdat

Times are integers in the track's timescale (``mdhd``). Re-timing is idempotent: it sets
absolute values (``retime_file`` run twice gives the same bytes). Errors: ``Fmp4Error``
for a box that is missing, truncated or of an unknown version.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

_CONTAINERS = {b"moov", b"trak", b"mdia", b"mvex", b"moof", b"traf"}


class Fmp4Error(Exception):
    """A segment or init segment is not the fragmented MP4 we expect."""


@dataclass(frozen=True)
class TrackRun:
    """One track's samples in one segment: ``decode_time`` (``tfdt``), the sum of their
    durations, their count and the first sample's composition offset (timescale units)."""

    track_id: int
    decode_time: int
    duration: int
    samples: int
    first_cts: int


def boxes(data: bytes | bytearray, start: int = 0, end: int | None = None) -> Iterator[tuple]:
    """``(type, offset, header size, size)`` of each box in ``data[start:end]``."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                raise Fmp4Error("truncated box header")
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header:
            raise Fmp4Error(f"bad size of box {kind!r}")
        yield kind, offset, header, size
        offset += size


def _find(data, path: list[bytes], start: int = 0, end: int | None = None) -> Iterator[tuple]:
    """Boxes at ``path`` (e.g. ``[b"moov", b"trak"]``) under ``data[start:end]``."""
    for kind, offset, header, size in boxes(data, start, end):
        if kind != path[0]:
            continue
        if len(path) == 1:
            yield kind, offset, header, size
        else:
            yield from _find(data, path[1:], offset + header, offset + size)


def track_timescales(init: bytes) -> dict[int, tuple[int, int]]:
    """``{track id: (timescale, default sample duration)}`` of an init segment (``tkhd``,
    ``mdhd``, ``mvex/trex``)."""
    tracks: dict[int, list[int]] = {}
    for _, off, hdr, size in _find(init, [b"moov", b"trak"]):
        track_id = timescale = None
        for kind, o, h, _s in boxes(init, off + hdr, off + size):
            if kind == b"tkhd":
                version = init[o + h]
                track_id = struct.unpack_from(">I", init, o + h + (20 if version else 12))[0]
        for _, o, h, _s in _find(init, [b"mdia", b"mdhd"], off + hdr, off + size):
            version = init[o + h]
            timescale = struct.unpack_from(">I", init, o + h + (20 if version else 12))[0]
        if track_id is None or not timescale:
            raise Fmp4Error("a track of the init segment has no tkhd or mdhd")
        tracks[track_id] = [timescale, 0]
    for _, o, h, _s in _find(init, [b"moov", b"mvex", b"trex"]):
        track_id, _index, duration = struct.unpack_from(">III", init, o + h + 4)
        if track_id in tracks:
            tracks[track_id][1] = duration
    if not tracks:
        raise Fmp4Error("no track in the init segment")
    return {k: (v[0], v[1]) for k, v in tracks.items()}


def _traf_run(data, off: int, hdr: int, size: int, trex: Mapping[int, int]) -> tuple:
    """``(TrackRun, tfdt offset, tfdt version)`` of the traf box at ``off``."""
    track_id = default_duration = None
    tfdt_at = tfdt_version = None
    decode_time = total = count = 0
    first_cts: int | None = None
    for kind, o, h, _s in boxes(data, off + hdr, off + size):
        body = o + h
        if kind == b"tfhd":
            flags = int.from_bytes(data[body + 1 : body + 4], "big")
            (track_id,) = struct.unpack_from(">I", data, body + 4)
            at = body + 8 + (8 if flags & 0x1 else 0) + (4 if flags & 0x2 else 0)
            default_duration = struct.unpack_from(">I", data, at)[0] if flags & 0x8 else None
        elif kind == b"tfdt":
            tfdt_version, tfdt_at = data[body], body + 4
            fmt = ">Q" if tfdt_version == 1 else ">I"
            (decode_time,) = struct.unpack_from(fmt, data, tfdt_at)
        elif kind == b"trun":
            version = data[body]
            flags = int.from_bytes(data[body + 1 : body + 4], "big")
            (samples,) = struct.unpack_from(">I", data, body + 4)
            at = body + 8 + (4 if flags & 0x1 else 0) + (4 if flags & 0x4 else 0)
            fallback = default_duration if default_duration is not None else trex.get(track_id, 0)
            for _ in range(samples):
                duration = fallback
                if flags & 0x100:
                    (duration,) = struct.unpack_from(">I", data, at)
                    at += 4
                at += 4 if flags & 0x200 else 0
                at += 4 if flags & 0x400 else 0
                if flags & 0x800:
                    cts = struct.unpack_from(">i" if version else ">I", data, at)[0]
                    at += 4
                else:
                    cts = 0
                if first_cts is None:
                    first_cts = cts
                total += duration
            count += samples
    if track_id is None or tfdt_at is None:
        raise Fmp4Error("a traf has no tfhd or tfdt")
    run = TrackRun(track_id, decode_time, total, count, first_cts or 0)
    return run, tfdt_at, tfdt_version


def _head(path: Path) -> bytearray:
    """The boxes of a segment file before its mdat (styp, sidx, moof), read from offset 0."""
    data = bytearray()
    with open(path, "rb") as f:
        while True:
            header = f.read(8)
            if len(header) < 8:
                return data
            size, kind = struct.unpack(">I4s", header)
            if kind == b"mdat":
                return data
            if size == 1:
                extended = f.read(8)
                header += extended
                (size,) = struct.unpack(">Q", extended)
            if size == 0 or size < len(header):
                raise Fmp4Error(f"{path.name}: bad size of box {kind!r}")
            body = f.read(size - len(header))
            if len(body) < size - len(header):
                raise Fmp4Error(f"{path.name}: truncated box {kind!r}")
            data += header + body


def read_segment(path: Path, trex: Mapping[int, int]) -> dict[int, TrackRun]:
    """``{track id: TrackRun}`` of a media segment file; ``trex``: default sample
    durations by track (from ``track_timescales``)."""
    data = _head(Path(path))
    runs = {}
    for _, off, hdr, size in _find(data, [b"moof", b"traf"]):
        run, _at, _v = _traf_run(data, off, hdr, size, trex)
        runs[run.track_id] = run
    if not runs:
        raise Fmp4Error(f"{Path(path).name}: no moof/traf")
    return runs


def retime_file(
    path: Path, decode_times: Mapping[int, int], sequence: int, trex: Mapping[int, int]
) -> dict[int, TrackRun]:
    """Set, in place, the segment's ``tfdt`` of each track to ``decode_times[track]``,
    move its ``sidx`` earliest presentation times by the same amount, and set its
    ``mfhd`` sequence number to ``sequence``. Returns the segment's runs (new times)."""
    path = Path(path)
    data = _head(path)
    shifts: dict[int, int] = {}
    runs = {}
    for _, off, hdr, size in _find(data, [b"moof", b"traf"]):
        run, at, version = _traf_run(data, off, hdr, size, trex)
        new = decode_times[run.track_id]
        if version == 1:
            struct.pack_into(">Q", data, at, new)
        elif new < 2**32:
            struct.pack_into(">I", data, at, new)
        else:
            raise Fmp4Error(f"{path.name}: decode time {new} does not fit a version 0 tfdt")
        shifts[run.track_id] = new - run.decode_time
        runs[run.track_id] = TrackRun(run.track_id, new, run.duration, run.samples, run.first_cts)
    for _, off, hdr, _size in _find(data, [b"sidx"]):
        version = data[off + hdr]
        (reference_id,) = struct.unpack_from(">I", data, off + hdr + 4)
        at = off + hdr + 12
        fmt = ">Q" if version == 1 else ">I"
        (ept,) = struct.unpack_from(fmt, data, at)
        struct.pack_into(fmt, data, at, ept + shifts.get(reference_id, 0))
    for _, off, hdr, _size in _find(data, [b"moof", b"mfhd"]):
        struct.pack_into(">I", data, off + hdr + 4, sequence)
    with open(path, "r+b") as f:
        f.write(data)
    return runs
