"""HDR sources for the tests: ffmpeg's test pattern graded into 10-bit HEVC BT.2020 with
a PQ or HLG transfer (zscale), optionally with HDR10 static metadata, made by the ffmpeg
the suite uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: an HDR10 grade's static metadata as x265 takes it (a P3 D65 mastering display of 1000
#: cd/m² peak, 0.0001 minimum; MaxCLL 1000, MaxFALL 400)
HDR10_MASTER_DISPLAY = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)"
HDR10_MAX_CLL = "1000,400"


def make_hdr_clip(
    ffmpeg: str,
    path: Path,
    transfer: str,
    *,
    size: str = "320x240",
    seconds: float = 3,
    hdr10: bool = False,
    keyint: int | None = None,
    audio: bool = False,
) -> Path:
    """``seconds`` of testsrc2 turned into 10-bit HEVC BT.2020 with the HDR ``transfer``
    (``smpte2084`` = PQ/HDR10, ``arib-std-b67`` = HLG), tagged as such; ``hdr10``: with
    HDR10 static metadata (``HDR10_MASTER_DISPLAY``, ``HDR10_MAX_CLL``) in its SEI;
    ``keyint``: a keyframe every so many frames; ``audio``: a 440 Hz tone (AAC)."""
    params = [f"log-level=error:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc",
              "range=limited"]  # fmt: skip
    if hdr10:
        params += [f"master-display={HDR10_MASTER_DISPLAY}", f"max-cll={HDR10_MAX_CLL}"]
    if keyint:
        params.append(f"keyint={keyint}")
    sound = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    cmd = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        *(sound if audio else []),
        "-vf", f"format=gbrpf32le,zscale=tin=bt709:pin=bt709:min=gbr:t={transfer}:p=bt2020"
               ":m=bt2020nc:npl=100:r=tv,format=yuv420p10le",
        "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", ":".join(params),
        "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc",
        *(["-c:a", "aac"] if audio else []),
        str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return path
