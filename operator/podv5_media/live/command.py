"""The ffmpeg command of one ingest session (pure: no I/O)."""

from __future__ import annotations

from pathlib import Path

from podv5_contract.live_worker import LiveSpec

from .gate import placeholder


def _input(spec: LiveSpec, upstream_port: int) -> list[str]:
    """RTMP: ffmpeg listens on ``127.0.0.1:upstream_port`` behind the gate, which renames
    the stream to :func:`placeholder`. SRT: ffmpeg (libsrt) listens on ``bind:port``
    itself with the stream key as the SRT passphrase and enforced encryption, so a caller
    with another passphrase (or none) is rejected in the handshake (``BADSECRET``) before
    any byte is demuxed; the listener keeps waiting. libsrt needs the passphrase, so it
    is on this command line (never logged: the worker logs no command line)."""
    if spec.protocol == "srt":
        host = f"[{spec.bind}]" if ":" in spec.bind else spec.bind
        return [
            "-passphrase", spec.stream_key, "-enforced_encryption", "1",
            "-i", f"srt://{host}:{spec.port}?mode=listener",
        ]  # fmt: skip
    url = f"rtmp://127.0.0.1:{upstream_port}/live/{placeholder(spec.stream_key)}"
    return ["-listen", "1", "-i", url]


def session_command(
    ffmpeg: str, spec: LiveSpec, *, upstream_port: int, out_dir: Path, session: int
) -> list[str]:
    """ffmpeg listening for the broadcaster (:func:`_input`: RTMP behind the gate, or
    SRT with the key as passphrase), writing:

    - ``hls/index.m3u8``: live HLS, ``segment_duration`` s segments (cut on keyframes:
      broadcasters use a 2 s keyframe interval), a sliding window of ``list_size``
      segments, old segments deleted, a discontinuity at each new session;
    - ``rec/part-<session>.ts``: the session's recording (MPEG-TS), when ``record``.

    Streams are copied (no transcoding). Progress goes to stdout (``-progress pipe:1``).
    """
    hls = out_dir / "hls"
    cmd = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-progress", "pipe:1", "-stats_period", "0.5",
        *_input(spec, upstream_port),
        "-map", "0:v?", "-map", "0:a?", "-c", "copy",
        "-f", "hls", "-hls_time", f"{spec.segment_duration:g}",
        "-hls_list_size", str(spec.list_size),
        "-hls_flags", "delete_segments+append_list+omit_endlist+discont_start+program_date_time",
        "-hls_segment_filename", str(hls / f"s{session:03d}_%05d.ts"),
        str(hls / "index.m3u8"),
    ]  # fmt: skip
    if spec.record:
        cmd += [
            "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "mpegts",
            str(out_dir / "rec" / f"part-{session:03d}.ts"),
        ]  # fmt: skip
    return cmd


def concat_command(ffmpeg: str, list_file: Path, output: Path) -> list[str]:
    """Join the recording parts listed in ``list_file`` (concat demuxer: timestamps
    follow each other) into ``output`` without re-encoding."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(list_file),
        "-map", "0", "-c", "copy", "-f", "mpegts", str(output),
    ]  # fmt: skip


def poster_command(ffmpeg: str, segment: Path, output: Path, *, width: int = 640) -> list[str]:
    """One frame of ``segment`` (its first keyframe), scaled to ``width`` pixels wide
    (even height), as a JPEG at ``output``."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-i", str(segment), "-map", "0:v:0", "-frames:v", "1",
        "-vf", f"scale={width}:-2", "-q:v", "4", "-update", "1", str(output),
    ]  # fmt: skip
