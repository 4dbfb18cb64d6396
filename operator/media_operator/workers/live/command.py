"""The ffmpeg command of one ingest session (pure: no I/O)."""

from __future__ import annotations

from pathlib import Path

from .gate import placeholder
from .spec import LiveSpec


def session_command(
    ffmpeg: str, spec: LiveSpec, *, upstream_port: int, out_dir: Path, session: int
) -> list[str]:
    """ffmpeg as an RTMP listener on ``127.0.0.1:upstream_port`` (behind the gate, which
    renames the stream to :func:`placeholder`), writing:

    - ``hls/index.m3u8``: live HLS, ``segment_duration`` s segments (cut on keyframes:
      broadcasters use a 2 s keyframe interval), a sliding window of ``list_size``
      segments, old segments deleted, a discontinuity at each new session;
    - ``rec/part-<session>.ts``: the session's recording (MPEG-TS), when ``record``.

    Streams are copied (no transcoding). Progress goes to stdout (``-progress pipe:1``).
    """
    url = f"rtmp://127.0.0.1:{upstream_port}/live/{placeholder(spec.stream_key)}"
    hls = out_dir / "hls"
    cmd = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-progress", "pipe:1", "-stats_period", "0.5",
        "-listen", "1", "-i", url,
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
