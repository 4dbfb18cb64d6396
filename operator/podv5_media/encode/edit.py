"""Editing at encode time (``spec.edit``, ``podv5_contract.edit``): cut, watermark and
credits, applied inside the encode's one ffmpeg process, before the ``split`` that feeds
the ladder, so every rendition, the poster and the storyboard show the edited video.

The graph, for a source with video and audio (``[V]``/``[A]``: the decoded source after
``video_input_filters``/``audio_filters``, constant frame rate from 0, 48 kHz stereo)::

    [V] split=K -> trim=start_frame=a:end_frame=b, setpts=PTS-STARTPTS   (one per kept range)
    [A] asplit=K -> atrim=start_sample=..:end_sample=.., asetpts=PTS-STARTPTS
        -> concat=n=K:v=1:a=1                      (the cut; none without one)
        -> scale=WxH, setsar=1                     (dressed only: the top rendition's size)
        -> [wm] overlay=x:y                        (watermark: format=rgba, scale, alpha x opacity)
    [opening] fps, scale+pad to WxH, tpad, trim=end_frame=F  + its audio (or anullsrc), apad, atrim
    [closing] same
        -> concat=n=3:v=1:a=1 -> split / asplit to the ladder

- frame-accurate: kept ranges are snapped to the output frame grid (``round(t * rate)``)
  and trimmed by frame number; audio is trimmed by sample number at the same instants,
  so each kept range lasts exactly ``frames / rate`` seconds in both streams;
- credits last their own duration snapped to whole frames; their audio is padded with
  silence (or is silence) to the same length, so audio stays in sync across the joins;
- audio-only sources take the cut (by sample) and ignore the dressing.

Errors: :class:`EditFailed` (reason ``invalid_edit``: a cut that does not fit the
source, credits without video; ``storage_error``: an input that cannot be fetched;
``unsupported_media``: credits that are not media).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from podv5_contract.edit import EditError, EditSpec, check_cut
from podv5_contract.outputs import Manifest, SourceChapter
from podv5_media import storage
from podv5_media.probe import MediaInfo, UnsupportedMedia, probe

from .ladder import SHORT_CLIP, EncodePlan, PosterPlan
from .storyboard import plan_storyboard

log = logging.getLogger(__name__)

AUDIO_SAMPLE_RATE = 48_000
#: the watermark's distance from the frame's edges, as a fraction of the frame's height
WATERMARK_MARGIN = 0.03


class EditFailed(Exception):
    """The edit cannot be applied; ``reason`` is the stable code sent to the API."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CreditsClip:
    """Opening or closing credits: a local file, its streams, its length in output
    frames."""

    path: Path
    video_stream: int
    audio_stream: int | None
    frames: int


@dataclass(frozen=True)
class WatermarkPlan:
    path: Path
    position: str
    opacity: float
    #: pixels, in the content's frame
    width: int
    margin: int


@dataclass(frozen=True)
class EditPlan:
    """What the graph does. ``kept``: kept ranges of the source in seconds (snapped to the
    frame grid), ``None`` without a cut; ``size``: the content's frame size once dressed
    (the top rendition's), ``None`` without dressing."""

    kept: tuple[tuple[float, float], ...] | None
    frame_rate: Fraction | None
    size: tuple[int, int] | None = None
    watermark: WatermarkPlan | None = None
    opening: CreditsClip | None = None
    closing: CreditsClip | None = None
    #: seconds: the content (after the cut), and the whole output
    content_duration: float = 0.0
    duration: float = 0.0

    @property
    def opening_duration(self) -> float:
        return self.opening.frames / self.frame_rate if self.opening else 0.0

    @property
    def inputs(self) -> list[Path]:
        """Extra ffmpeg inputs, in order (indexes 1, 2...)."""
        clips = [self.opening, self.closing]
        files = [self.watermark.path] if self.watermark else []
        return files + [clip.path for clip in clips if clip is not None]

    def input_args(self) -> list[str]:
        return [arg for path in self.inputs for arg in ("-i", str(path))]

    def apply(self, plan: EncodePlan) -> EncodePlan:
        """``plan`` for the edited output: its duration, poster time (in the content,
        never in the credits) and storyboard."""
        poster, storyboard = plan.poster, plan.storyboard
        if poster is not None:
            inside = 0.0 if self.content_duration < SHORT_CLIP else self.content_duration / 3
            when = round(self.opening_duration + inside, 3)
            poster = PosterPlan(time=when, width=poster.width, height=poster.height)
        if storyboard is not None and plan.renditions[0].width:
            top = plan.renditions[0]
            aspect = Fraction(top.width, top.height)
            storyboard = plan_storyboard(self.duration, aspect, plan.frame_rate)
        return dataclasses.replace(
            plan, duration=self.duration, poster=poster, storyboard=storyboard
        )

    def source_time(self, t: float) -> float | None:
        """Where instant ``t`` of the source lands in the output (seconds), ``None`` if
        the cut removed it."""
        if self.kept is None:
            return self.opening_duration + t
        offset = self.opening_duration
        for start, end in self.kept:
            if start <= t < end:
                return offset + t - start
            offset += end - start
        return None

    def remap_manifest(self, manifest: Manifest) -> Manifest:
        """The manifest with the source's chapters moved onto the output's timeline
        (chapters the cut removed are dropped)."""
        chapters = []
        for chapter in manifest.source.chapters:
            start = self.source_time(chapter.start)
            if start is not None:
                chapters.append(SourceChapter(title=chapter.title, start=round(start, 3)))
        source = manifest.source.model_copy(update={"chapters": chapters})
        return manifest.model_copy(update={"source": source})


def prepare_edit(edit: EditSpec, info: MediaInfo, plan: EncodePlan, workdir: Path) -> EditPlan:
    """Fetch the edit's inputs into ``workdir``, probe the credits and plan the edit for
    the probed source ``info`` and its encode ``plan``. Raises :class:`EditFailed`."""
    rate = plan.frame_rate
    try:
        ranges = check_cut(duration=info.duration, trim=edit.trim, remove=list(edit.remove))
    except EditError as exc:
        raise EditFailed("invalid_edit", str(exc)) from exc
    kept = None
    if edit.has_cut:
        kept = tuple(_snap(ranges, rate) if rate else ranges)
        if not kept:
            raise EditFailed("invalid_edit", "The cut keeps no whole frame.")
    content = sum(b - a for a, b in kept) if kept is not None else info.duration
    if not plan.has_video or not edit.has_dressing:
        if edit.has_dressing:
            log.warning("audio-only source: the watermark and credits are left out")
        return EditPlan(kept=kept, frame_rate=rate, content_duration=content, duration=content)

    top = plan.renditions[0]
    width, height = top.width, top.height
    watermark = None
    if edit.watermark is not None:
        w = edit.watermark
        watermark = WatermarkPlan(
            path=_fetch(w.image, workdir / "edit-watermark"),
            position=w.position,
            opacity=w.opacity,
            width=max(2, round(width * w.width)),
            margin=round(height * WATERMARK_MARGIN),
        )
    opening = _credits(edit.opening, workdir / "edit-opening", rate, "opening")
    closing = _credits(edit.closing, workdir / "edit-closing", rate, "closing")
    total = content + sum(c.frames / rate for c in (opening, closing) if c is not None)
    return EditPlan(
        kept=kept,
        frame_rate=rate,
        size=(width, height),
        watermark=watermark,
        opening=opening,
        closing=closing,
        content_duration=content,
        duration=total,
    )


def _snap(ranges: list[tuple[float, float]], rate: Fraction) -> list[tuple[float, float]]:
    """Ranges moved onto the frame grid of ``rate``; empty ones dropped."""
    snapped = []
    for start, end in ranges:
        a, b = round(start * rate), round(end * rate)
        if b > a:
            snapped.append((float(a / rate), float(b / rate)))
    return snapped


def _fetch(uri: str, folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return storage.fetch(uri, folder)
    except (storage.StorageError, OSError) as exc:
        raise EditFailed("storage_error", f"edit input: {exc}") from exc


def _credits(uri: str | None, folder: Path, rate: Fraction, what: str) -> CreditsClip | None:
    if uri is None:
        return None
    path = _fetch(uri, folder)
    try:
        info = probe(path)
    except UnsupportedMedia as exc:
        raise EditFailed(exc.reason, f"{what} credits: {exc}") from exc
    if info.video is None:
        raise EditFailed("invalid_edit", f"The {what} credits have no video.")
    return CreditsClip(
        path=path,
        video_stream=info.video.index,
        audio_stream=info.audio.index if info.audio else None,
        frames=max(1, round(info.duration * rate)),
    )


# --- the filter graph ------------------------------------------------------------------


def edit_graph(
    edit: EditPlan, *, video: str | None, audio: list[str], audio_filters: str
) -> tuple[list[str], str | None, list[str]]:
    """The filter chains of ``edit``; ``video``: the head of the source video's chain
    (``[0:0]filters``, no trailing comma; ``None``: no video), ``audio``: the heads of
    its audio chains (one per audio rendition, each cut and dressed alike),
    ``audio_filters``: what turns any audio into the ladder's format. Returns
    ``(chains, video label, audio labels)``: the labels feed the ladder."""
    chains: list[str] = []
    vlabel, alabels = _cut(edit, chains, video, audio)
    if vlabel is None or edit.size is None:
        return chains, vlabel, alabels
    width, height = edit.size
    chains.append(f"{vlabel}scale={width}:{height}:out_range=tv,setsar=1[edsized]")
    vlabel = "[edsized]"
    inputs = iter(range(1, len(edit.inputs) + 1))
    if edit.watermark is not None:
        chains += _watermark(edit.watermark, next(inputs), vlabel)
        vlabel = "[edmarked]"
    credits: dict[str, str] = {}
    for name, clip in (("opening", edit.opening), ("closing", edit.closing)):
        if clip is not None:
            chains += _credits_chains(
                clip, next(inputs), name, edit, tracks=len(alabels), audio_filters=audio_filters
            )
            credits[name] = f"[ed{name}v]" + "".join(f"[ed{name}a{j}]" for j in range(len(alabels)))
    if not credits:
        return chains, vlabel, alabels
    parts = [credits.get("opening", ""), vlabel + "".join(alabels), credits.get("closing", "")]
    outs = [f"[eddresseda{j}]" for j in range(len(alabels))]
    chains.append(
        "".join(parts)
        + f"concat=n={len(credits) + 1}:v=1:a={len(alabels)}[eddressed]"
        + "".join(outs)
    )
    return chains, "[eddressed]", outs


def _cut(
    edit: EditPlan, chains: list[str], video: str | None, audio: list[str]
) -> tuple[str | None, list[str]]:
    """The cut's chains; returns the labels of the cut video and audio tracks."""
    vlabel = None
    if video is not None:
        chains.append(f"{video}[edsrc]")
        vlabel = "[edsrc]"
    alabels = []
    for j, head in enumerate(audio):
        chains.append(f"{head}[edsrca{j}]")
        alabels.append(f"[edsrca{j}]")
    if edit.kept is None:
        return vlabel, alabels
    k = len(edit.kept)
    rate = edit.frame_rate
    if vlabel is not None and k > 1:
        chains.append(f"{vlabel}split={k}" + "".join(f"[edv{i}]" for i in range(k)))
    for j, label in enumerate(alabels):
        if k > 1:
            chains.append(f"{label}asplit={k}" + "".join(f"[eda{j}_{i}]" for i in range(k)))
    pieces = []
    for i, (start, end) in enumerate(edit.kept):
        piece = ""
        if vlabel is not None:
            a, b = round(start * rate), round(end * rate)
            src = vlabel if k == 1 else f"[edv{i}]"
            chains.append(f"{src}trim=start_frame={a}:end_frame={b},setpts=PTS-STARTPTS[edk{i}]")
            piece += f"[edk{i}]"
        a, b = round(start * AUDIO_SAMPLE_RATE), round(end * AUDIO_SAMPLE_RATE)
        for j, label in enumerate(alabels):
            src = label if k == 1 else f"[eda{j}_{i}]"
            chains.append(
                f"{src}atrim=start_sample={a}:end_sample={b},asetpts=PTS-STARTPTS[edka{j}_{i}]"
            )
            piece += f"[edka{j}_{i}]"
        pieces.append(piece)
    has_v = vlabel is not None
    outs = [f"[edcuta{j}]" for j in range(len(alabels))]
    chains.append(
        f"{''.join(pieces)}concat=n={k}:v={int(has_v)}:a={len(alabels)}"
        + ("[edcut]" if has_v else "")
        + "".join(outs)
    )
    return ("[edcut]" if has_v else None), outs


def _watermark(mark: WatermarkPlan, index: int, vlabel: str) -> list[str]:
    m = mark.margin
    x = {"left": f"{m}", "right": f"main_w-overlay_w-{m}"}[mark.position.split("-")[1]]
    y = {"top": f"{m}", "bottom": f"main_h-overlay_h-{m}"}[mark.position.split("-")[0]]
    return [
        f"[{index}:v]format=rgba,scale={mark.width}:-1,"
        f"colorchannelmixer=aa={mark.opacity:.3f}[edwm]",
        f"{vlabel}[edwm]overlay=x={x}:y={y}:eof_action=repeat:format=auto,format=yuv420p[edmarked]",
    ]


def _credits_chains(
    clip: CreditsClip,
    index: int,
    name: str,
    edit: EditPlan,
    *,
    tracks: int,
    audio_filters: str,
) -> list[str]:
    """The credits' video at the content's size and rate, exactly ``clip.frames`` long,
    and its audio (or silence) as long, once per audio track."""
    width, height = edit.size
    rate = edit.frame_rate
    rate_text = str(rate.numerator) if rate.denominator == 1 else f"{rate}"
    chains = [
        f"[{index}:{clip.video_stream}]fps={rate_text}:start_time=0,"
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:out_range=tv,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p,"
        f"tpad=stop_mode=clone:stop_duration=1,trim=end_frame={clip.frames},"
        f"setpts=PTS-STARTPTS[ed{name}v]"
    ]
    if tracks:
        samples = round(clip.frames / rate * AUDIO_SAMPLE_RATE)
        if clip.audio_stream is not None:
            head = f"[{index}:{clip.audio_stream}]{audio_filters}"
        else:
            head = f"anullsrc=channel_layout=stereo:sample_rate={AUDIO_SAMPLE_RATE},{audio_filters}"
        outs = "".join(f"[ed{name}a{j}]" for j in range(tracks))
        split = f",asplit={tracks}" if tracks > 1 else ""
        chains.append(f"{head},apad,atrim=end_sample={samples},asetpts=PTS-STARTPTS{split}{outs}")
    return chains
