"""Per-title rate control (``rateControl: PerTitle``): each rung's CRF, and which rungs to
keep, chosen from a fast probe encode of the title. Pure functions (``probe_encode.py``
runs the probe).

The probe (the classic per-title approach of Netflix, Mux, Bitmovin, scaled down):

1. a few short excerpts spread over the title (``sample_spans``: about 4 % of it, 2 to
   20 s in all, in excerpts of at most 2 s);
2. each excerpt encoded at every rung's size at the two ``PROBE_CRFS`` (x264, the encode's own
   preset, no VBV: what the content costs at that quality);
3. VMAF (model ``vmaf_v0.6.1``) of each probe encode upscaled (bicubic) to the top rung's
   size against the excerpt: what a viewer of that rung sees full screen, on one frame in
   ``VMAF_EVERY``.

That gives, per rung, VMAF and kbit/s at each probe CRF; between them the VMAF's loss
(100 - VMAF) and the rate are interpolated log-linearly in the CRF (x264: the rate about
x2 per 6 CRF steps), beyond them extrapolated. Then, per rung (``choose``):

- quality target: the top rung ``TOP_VMAF``; a lower rung ``LOWER_VMAF_DROP`` below what
  it reaches at the best probe CRF (it is bounded by its resolution, upscaled: chasing
  the top's target would only spend bits), at most ``LOWER_VMAF``;
- rate limit: the rung's ``videoKbps`` on average (never more than ``Fixed`` spends);
- CRF: the higher (cheaper) of the target's and the rate limit's, within
  ``CRF_MIN``..``CRF_MAX``; the encode keeps the VBV cap of ``rate_control``;
- a lower rung whose rate limit keeps it under its target AND under ``FLOOR_VMAF`` is
  dropped (Netflix's convex hull, simplified): at that rate the content would break into
  blocks; the players' lowest choice becomes the next taller rung, so on such content a
  viewer with less bandwidth than that rung's rate stalls instead of seeing blocks. A rung
  under the floor because of its resolution (a 360p lecture upscaled to 720p scores ~71
  with sharp slides) is kept: its rate limit is not what holds it down.

Figures and tuning: ``bench/ladder_quality.py``, docs/encoding.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .ladder import EncodePlan, PlannedRendition, pick_mp4_rendition

#: x264 CRFs every rung is probed at (best quality first)
PROBE_CRFS: tuple[int, ...] = (16, 25)
CRF_MIN = 12.0
#: never past the probe's highest CRF: beyond it the loss can leap (the motion clip: VMAF
#: 98.7 at CRF 25 in the probe, 97.6 at 26 and 86.5 at 32 in the encode)
CRF_MAX = 25.0
#: VMAF the top rung aims at (near-transparent), and at most a lower rung's target
TOP_VMAF = 98.5
LOWER_VMAF = 95.0
#: a lower rung aims this far below its VMAF at ``PROBE_CRFS[0]``
LOWER_VMAF_DROP = 3.0
#: under it, a lower rung starved by its rate limit is dropped
FLOOR_VMAF = 85.0
#: the rate limit: this many times the rung's ``videoKbps``, on average
RATE_LIMIT = 1.0
#: sampling: this share of the title, within these bounds (seconds), excerpts at most
#: ``EXCERPT_MAX`` s long
SAMPLE_SHARE = 0.04
SAMPLE_MIN = 2.0
SAMPLE_MAX = 20.0
EXCERPT_MAX = 2.0
#: VMAF is computed on one frame in this many
VMAF_EVERY = 3


@dataclass(frozen=True)
class Span:
    """An excerpt of the title: ``start`` and ``duration`` in seconds."""

    start: float
    duration: float


@dataclass(frozen=True)
class ProbePoint:
    """One probe encode of one rung: its CRF, video kbit/s, mean VMAF (top rung's size)."""

    crf: float
    kbps: float
    vmaf: float


@dataclass(frozen=True)
class RungDecision:
    """What ``choose`` decided for one rung: the CRF, the VMAF and kbit/s the probe
    predicts there, the target, whether the rate limit set the CRF, and whether the rung
    is dropped."""

    name: str
    crf: float
    vmaf: float
    kbps: float
    target: float
    rate_limited: bool
    dropped: bool


def sample_spans(
    duration: float, *, start: float = 0.0, title: float | None = None
) -> tuple[Span, ...]:
    """Excerpts to probe in a title of ``duration`` seconds: ``SAMPLE_SHARE`` of it
    (``SAMPLE_MIN``..``SAMPLE_MAX`` s, never more than the title), in the fewest excerpts
    of at most ``EXCERPT_MAX`` s, each centred in an equal slice of the title.

    A chunk of a chunked job: ``start`` (seconds) is where its span begins in the source
    and ``title`` the whole title's duration (seconds); the chunk samples its share of
    what a one-pass probe of the title samples (at least ``SAMPLE_MIN`` s), so the
    chunks' probes add up to about one title's, not one each."""
    if duration <= 0:
        return ()
    whole = title if title and title > duration else duration
    budget = max(SAMPLE_MIN, min(SAMPLE_MAX, whole * SAMPLE_SHARE)) * duration / whole
    total = min(duration, max(SAMPLE_MIN, budget))
    count = max(1, math.ceil(total / EXCERPT_MAX - 1e-9))
    length = total / count
    slice_ = duration / count
    return tuple(
        Span(round(start + max(0.0, slice_ * (i + 0.5) - length / 2), 3), round(length, 3))
        for i in range(count)
    )


def vmaf_at(points: Sequence[ProbePoint], crf: float) -> float:
    """VMAF predicted at ``crf``: its distance to 100 (the loss) log-linear between the
    probe points (sorted by CRF), beyond them along the nearest two (x264's loss grows
    about exponentially with the CRF: x2 in 5 to 10 steps on the bench's clips)."""
    logs = [(p.crf, math.log(max(100.0 - p.vmaf, 1e-3))) for p in points]
    return 100.0 - math.exp(_interpolate(logs, crf))


def kbps_at(points: Sequence[ProbePoint], crf: float) -> float:
    """kbit/s predicted at ``crf``: log-linear between (and beyond) the probe points."""
    logs = [(p.crf, math.log(max(p.kbps, 1e-3))) for p in points]
    return math.exp(_interpolate(logs, crf))


def crf_for_vmaf(points: Sequence[ProbePoint], target: float) -> float:
    """The highest CRF predicted to reach ``target`` VMAF (``CRF_MIN`` if none does)."""
    return _crossing(lambda crf: vmaf_at(points, crf), target)


def crf_for_kbps(points: Sequence[ProbePoint], kbps: float) -> float:
    """The lowest CRF predicted to spend at most ``kbps`` (``CRF_MAX`` if none does)."""
    return _crossing(lambda crf: kbps_at(points, crf), kbps)


def choose(rendition: PlannedRendition, points: Sequence[ProbePoint], *, top: bool) -> RungDecision:
    """The CRF of ``rendition`` from its probe ``points`` (see the module docstring)."""
    points = sorted(points, key=lambda p: p.crf)
    target = TOP_VMAF if top else min(LOWER_VMAF, points[0].vmaf - LOWER_VMAF_DROP)
    by_quality = crf_for_vmaf(points, target)
    by_rate = crf_for_kbps(points, (rendition.video_kbps or 0) * RATE_LIMIT)
    crf = round(max(by_quality, by_rate), 1)
    vmaf = vmaf_at(points, crf)
    rate_limited = by_rate > by_quality
    return RungDecision(
        name=rendition.name,
        crf=crf,
        vmaf=round(vmaf, 2),
        kbps=round(kbps_at(points, crf), 1),
        target=round(target, 2),
        rate_limited=rate_limited,
        dropped=not top and rate_limited and vmaf < FLOOR_VMAF,
    )


def apply_decisions(plan: EncodePlan, decisions: Sequence[RungDecision]) -> EncodePlan:
    """``plan`` with each rung's chosen CRF and without the dropped rungs (the MP4
    fallback is picked again among the SDR rungs kept); a rendition without a decision
    (the HDR one) is kept as it is."""
    by_name = {d.name: d for d in decisions}
    kept = []
    for rendition in plan.renditions:
        decision = by_name.get(rendition.name)
        if decision is None:
            kept.append(rendition)
        elif not decision.dropped:
            kept.append(dataclasses.replace(rendition, crf=decision.crf))
    sdr = [r for r in kept if not r.hdr]
    mp4 = pick_mp4_rendition(sdr) if plan.mp4_rendition is not None else None
    return dataclasses.replace(plan, renditions=tuple(kept), mp4_rendition=mp4)


def _interpolate(points: list[tuple[float, float]], x: float) -> float:
    points = sorted(points)
    if len(points) == 1:
        return points[0][1]
    i = next((k for k in range(1, len(points) - 1) if x < points[k][0]), len(points) - 1)
    (x0, y0), (x1, y1) = points[i - 1], points[i]
    if x1 == x0:
        return y1
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def _crossing(f, y: float) -> float:
    """Where ``f`` (decreasing in the CRF) comes down to ``y``, to 0.1 below, within
    ``CRF_MIN``..``CRF_MAX``: ``CRF_MIN`` if ``f`` starts at or under ``y``, ``CRF_MAX``
    if it never comes down to it."""
    lo, hi = CRF_MIN, CRF_MAX
    if f(lo) <= y:
        return lo
    if f(hi) >= y:
        return hi
    while hi - lo > 0.05:  # f(lo) > y > f(hi)
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > y else (lo, mid)
    return math.floor(lo * 10 + 1e-6) / 10
