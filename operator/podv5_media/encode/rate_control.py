"""Rate control of the video renditions: how many bits each rung gets. Pure functions.

Two modes, chosen by ``EncodingJobSpec.rate_control`` (carried in ``EncodePlan``):

- ``Fixed``: every title gets its rung's rate R (``videoKbps``), whatever the content:
  x264 ABR ``-b:v R`` with a VBV of ``-maxrate 1.5R -bufsize 2R``. Slides and screen
  captures spend R on pixels that do not change; high motion is starved at R.
- ``CappedCRF`` (content-aware, per-title): constant quality, x264 ``-crf C`` per rung,
  under a VBV cap taken from the rung's rate: ``-maxrate 1.5R -bufsize 2R``. Easy content
  stops at the quality it needs (a fraction of R); hard content gets up to the cap (more
  than ``Fixed`` on average, as its average is R). The CRF is the rung's ``crf`` when the
  ladder gives one, else ``default_crf(height)``: lower rungs get a lower CRF, as players
  upscale them (each step down costs resolution already). Values tuned with
  ``bench/ladder_quality.py`` (VMAF v0.6.1 of each rung upscaled to the source size); the
  figures are in docs/encoding.md.

The HDR rendition (x265, ``ladder.plan_hdr_rendition``) is rated the same way; under
``CappedCRF`` its CRF is the x264 one plus ``HEVC_CRF_OFFSET`` (x265's CRF scale sits
higher than x264's for a like quality: its default is 28 against x264's 23).

The cap is what the master playlist's BANDWIDTH can promise: the worker measures the real
peak and average of every rendition from its segments afterwards (``hls.py``, RFC 8216
§4.3.4.2), so BANDWIDTH is the measured peak, never the nominal rate. With a VBV of
``maxrate M`` and ``bufsize B``, any span of ``d`` seconds holds at most ``M*d + B`` bits of
video (the buffer starts full at most), so a segment window of ``d`` seconds peaks at
``M + B/d`` at most (``vbv_peak_kbps``).
"""

from __future__ import annotations

from .ladder import EncodePlan, PlannedRendition

#: VBV of both modes, as multiples of the rung's rate (``videoKbps``)
MAXRATE_FACTOR = 1.5
BUFSIZE_FACTOR = 2.0
#: x264 CRF by rung height (the tallest entry at most as tall as the rung applies)
DEFAULT_CRFS: tuple[tuple[int, int], ...] = ((1080, 19), (720, 17), (480, 16), (0, 15))
#: x265 CRF = x264 CRF + this (the HDR rendition; x265's default 28 against x264's 23,
#: less one as 10-bit PQ/HLG pictures show banding sooner)
HEVC_CRF_OFFSET = 4


def default_crf(height: int) -> int:
    """The x264 CRF of a rung ``height`` pixels tall that gives none (``DEFAULT_CRFS``)."""
    return next(crf for floor, crf in DEFAULT_CRFS if height >= floor)


def rendition_crf(rendition: PlannedRendition) -> float:
    """The CRF ``rendition`` is encoded at under ``CappedCRF`` (x265's for the HDR one) and
    ``PerTitle`` (the probe's choice for the SDR rungs, else the same static CRF)."""
    crf = rendition.crf if rendition.crf is not None else default_crf(rendition.height or 0)
    return min(51, crf + HEVC_CRF_OFFSET) if rendition.hdr else crf


def video_rate_args(plan: EncodePlan, rendition: PlannedRendition, *, stream: int) -> list[str]:
    """ffmpeg options of output video stream ``stream`` (``rendition``) for the plan's mode."""
    kbps = rendition.video_kbps or 0
    vbv = [
        f"-maxrate:v:{stream}", f"{round(kbps * MAXRATE_FACTOR)}k",
        f"-bufsize:v:{stream}", f"{round(kbps * BUFSIZE_FACTOR)}k",
    ]  # fmt: skip
    if plan.rate_control in ("CappedCRF", "PerTitle"):
        return [f"-crf:v:{stream}", f"{rendition_crf(rendition):g}", *vbv]
    return [f"-b:v:{stream}", f"{kbps}k", *vbv]


def vbv_peak_kbps(video_kbps: int, window: float) -> float:
    """The most video kbit/s a VBV-compliant rendition of rate ``video_kbps`` can carry
    over ``window`` seconds: ``maxrate + bufsize / window`` (see the module docstring)."""
    return video_kbps * (MAXRATE_FACTOR + BUFSIZE_FACTOR / window)
