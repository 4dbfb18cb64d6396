"""Long videos in chunks: where to cut, and the ffmpeg command of each chunk. Pure functions
(but ``source_keyframes``, which reads the source's index).

A chunked job (``spec.chunks = N``) runs N + 1 steps that may run at once (an Indexed
Job's pods): steps ``0 .. N-1`` encode one span of the video each, step ``N`` encodes the
audio of the whole source once; then the join (``join.py``) makes one HLS ladder of them.

Where to cut (``plan_chunks``): only on **segment boundaries** (``s * D``, D the segment
duration), so each chunk's segments are whole segments of the one-pass output, each
chunk starting on a forced keyframe. Among the boundaries near the ideal cut points
(``i * T / N`` seconds of the T-second video; at most 2 segments or a tenth of a chunk
away) the one whose chunk is **closest to the ideal size** wins, each counting its
**pre-roll** at its price: a chunk's decoder starts at the last source keyframe before
the cut (``-ss`` before ``-i`` seeks to it) and decodes the frames up to the cut only to
throw them away, which costs ``DECODE_SHARE`` of encoding them. Balance comes first
because the slowest chunk sets the job's time (the pods run at once); between boundaries
about as close to the ideal, the one right after a source keyframe wins.

Why the frames are exactly the one-pass output's: each chunk keeps the source's
timestamps (``-copyts -start_at_zero``: the timeline of a one-pass encode, which starts
the source at 0), runs the same filters (``fps=R:start_time=0`` maps every source frame
to the same output tick, whatever frame decoding started on), then keeps the output
frames ``[first_frame, end_frame)`` by their tick (``trim=start_pts/end_pts`` in the
``1/R`` time base). A chunk's first frame ``ceil(s * D * R)`` is the one-pass encode's
keyframe at that boundary; keyframes are forced at ``(s + n) * D`` as there.

Each chunk's HLS muxer splits segments on those keyframes; its timestamps start at 0
(the join moves them, see ``fmp4.py``), and its init segments carry no edit list
(``use_editlist=0``), so every chunk's init segment of a rendition is the same bytes.
That holds even when the chunks' CRFs differ (``PerTitle``: each chunk probes its own
span, ``chunked.py``): x264 writes its rate control's initial QP into the PPS
(``pic_init_qp``), so its H.264 rungs are encoded with ``stitchable=1`` (x264: header
parameters independent of the content and of the rate control, made for encodes of
parts joined later); the HDR rendition (x265) keeps one static CRF in every chunk.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
import av.error

from podv5_media.probe import AudioStreamInfo, ChapterInfo, MediaInfo, VideoStreamInfo

from . import layout
from .command import (
    AUDIO_SAMPLE_RATE,
    EncoderSettings,
    _jpeg_args,
    audio_filters,
    hls_muxer_args,
    scale_filters,
    split_chains,
    video_encoder_args,
    video_input_filters,
)
from .ladder import AUDIO_GROUP, EncodePlan
from .rate_control import video_rate_args

log = logging.getLogger(__name__)

#: a chunk's decoder starts on a keyframe at least this long before its first frame
#: (covers the keyframe's composition offset: the index gives decode times), seconds
SEEK_MARGIN = 0.5
#: without an index (MPEG-TS...), seek this long before the chunk and let the demuxer
#: find the keyframe before, seconds
NO_INDEX_MARGIN = 3.0
#: boundaries tried on each side of an ideal cut point, in segments, at most; and at most
#: this fraction of a chunk, so that chunks stay about the same size (the slowest one
#: sets the job's time)
CUT_WINDOW = 2
CUT_WINDOW_SHARE = 0.1
#: what decoding a second of source (and the rate/deinterlace filters) costs, as a share
#: of encoding it to the ladder: a cut's pre-roll is worth this much chunk time.
#: Measured (``bench/chunked_encode.py``'s lecture, 720p source, 3 rungs, veryfast): 0.06
DECODE_SHARE = 0.1
#: the storyboard's thumbnails of a chunk, lossless until the join tiles them
THUMBS_DIR = "thumbs"
THUMB_PATTERN = "%05d.png"
#: a step's description of what it made, written last (``storage.publish`` ranks it last)
CHUNK_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ChunkSpan:
    """One chunk: output frames ``[first_frame, end_frame)`` (``end_frame`` None: to the
    end of the source), from segment ``first_segment`` on; the decoder seeks to ``seek``
    (seconds, source time from 0); storyboard thumbnails ``[thumbs_from, thumbs_to)``
    and whether the poster's frame is in it."""

    index: int
    first_segment: int
    first_frame: int
    end_frame: int | None
    seek: float
    thumbs_from: int = 0
    thumbs_to: int = 0
    poster: bool = False


#: x264 option of every chunk's H.264 rung: the same SPS/PPS (init segment) at any CRF
STITCHABLE = "stitchable=1"


def segment_fraction(plan: EncodePlan) -> Fraction:
    return Fraction(plan.segment_duration).limit_denominator(1000)


def plan_chunks(
    plan: EncodePlan, count: int, keyframes: Sequence[float] | None = None
) -> tuple[ChunkSpan, ...]:
    """Cut ``plan``'s video into at most ``count`` chunks (fewer when it has fewer
    segments). ``keyframes``: the source's keyframe times (seconds from 0, sorted);
    None when unknown. See the module docstring."""
    if plan.frame_rate is None:
        raise ValueError("only a video is cut into chunks")
    rate = Fraction(plan.frame_rate)
    seg = segment_fraction(plan)
    segments = max(1, math.ceil(Fraction(plan.duration).limit_denominator(10**6) / seg))
    count = max(1, min(count, segments))
    cuts = [0]
    window = min(CUT_WINDOW, math.floor(segments / count * CUT_WINDOW_SHARE))
    total = Fraction(plan.duration).limit_denominator(10**6)
    for i in range(1, count):
        ideal = round(i * segments / count)
        low, high = max(cuts[-1] + 1, ideal - window), min(segments - 1, ideal + window)
        # leave at least one segment for each chunk still to come
        high = min(high, segments - (count - i))
        if low > high:
            continue
        target = i * total / count  # seconds: the ideal cut
        cuts.append(min(range(low, high + 1), key=lambda s: (
            float(abs(s * seg - target)) + DECODE_SHARE * _preroll(s * seg, keyframes),
            _preroll(s * seg, keyframes), abs(s - ideal))))  # fmt: skip
    frames = [math.ceil(s * seg * rate) for s in cuts]
    thumbs = _thumbnail_frames(plan)
    poster = _poster_frame(plan)
    spans = []
    for i, cut in enumerate(cuts):
        first = frames[i]
        end = frames[i + 1] if i + 1 < len(cuts) else None
        inside = [k for k, n in enumerate(thumbs) if n >= first and (end is None or n < end)]
        spans.append(
            ChunkSpan(
                index=i,
                first_segment=cut,
                first_frame=first,
                end_frame=end,
                seek=_seek(float(cut * seg), keyframes),
                thumbs_from=inside[0] if inside else 0,
                thumbs_to=inside[-1] + 1 if inside else 0,
                poster=poster is not None and first <= poster and (end is None or poster < end),
            )
        )
    return tuple(spans)


def _preroll(time: Fraction, keyframes: Sequence[float] | None) -> float:
    if not keyframes or time == 0:
        return 0.0
    return float(time) - _seek(float(time), keyframes)


def _seek(time: float, keyframes: Sequence[float] | None) -> float:
    """Where the decoder of a chunk starting at ``time`` starts (seconds)."""
    if time <= 0:
        return 0.0
    if not keyframes:
        return max(0.0, time - NO_INDEX_MARGIN)
    at = bisect.bisect_right(keyframes, time - SEEK_MARGIN) - 1
    return keyframes[at] if at >= 0 else 0.0


def _thumbnail_frames(plan: EncodePlan) -> list[int]:
    """The output frame each storyboard thumbnail is taken from: the first whose time
    ``n * (1/R)`` (as ffmpeg's ``select`` computes it, in doubles) is at least
    ``k * interval - 0.001`` (``command.py``'s expression)."""
    board = plan.storyboard
    if board is None:
        return []
    rate = Fraction(plan.frame_rate)
    step = float(1 / rate)  # av_q2d of the 1/R time base
    frames = []
    for k in range(board.count):
        target = k * board.interval - 0.001
        n = max(0, math.floor(target * float(rate)) - 1)
        while n * step < target:
            n += 1
        frames.append(n)
    return frames


def _poster_frame(plan: EncodePlan) -> int | None:
    """The output frame ``trim=start=<time>`` keeps first (``round(time * R)``)."""
    if plan.poster is None:
        return None
    micros = round(plan.poster.time * 1_000_000)
    ticks = Fraction(micros, 1_000_000) * Fraction(plan.frame_rate)
    return math.floor(ticks + Fraction(1, 2))


def source_keyframes(path: Path, stream_index: int, start_time: float = 0.0) -> list[float]:
    """Keyframe times of a stream, seconds from the start of the media, from the
    container's index (MP4/MOV ``stss``, Matroska cues); empty when it has none
    (MPEG-TS: then ``_seek`` relies on the demuxer). Index times are decode times."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = container.streams[stream_index]
            base = float(stream.time_base)
            times = [
                entry.timestamp * base - start_time
                for entry in stream.index_entries
                if entry.is_keyframe and not entry.is_discard
            ]
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        log.warning("cannot read the source's keyframe index: %s", exc)
        return []
    return sorted(t for t in times if math.isfinite(t))


# --- ffmpeg commands ---------------------------------------------------------------------------


def build_chunk_command(
    plan: EncodePlan,
    span: ChunkSpan,
    *,
    ffmpeg: str,
    source: str | Path,
    out_dir: str | Path,
    settings: EncoderSettings | None = None,
) -> list[str]:
    """The ffmpeg command of one video chunk: the ladder's video renditions (no audio),
    HLS fMP4 under ``out_dir`` (same layout as a one-pass encode), plus the poster when
    its frame is in the chunk and the chunk's storyboard thumbnails as PNG files
    ``thumbs/<k>.png``."""
    settings = settings or EncoderSettings()
    out = Path(out_dir)
    video = replace(plan, audio_stream=None, audio=())
    renditions = plan.renditions
    thumbs = span.thumbs_to - span.thumbs_from
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-copyts", "-start_at_zero"]  # fmt: skip
    if span.seek > 0:
        cmd += ["-noaccurate_seek", "-ss", f"{math.floor(span.seek * 1e6) / 1e6:.6f}"]
    cmd += ["-i", str(source)]
    trim = f"trim=start_pts={span.first_frame}"
    if span.end_frame is not None:
        trim += f":end_pts={span.end_frame}"
    extra = ["vposter"] if span.poster else []
    extra += ["vthumbs"] if thumbs else []
    graph = split_chains(plan, f"[0:{plan.video_stream}]{video_input_filters(plan)},{trim},", extra)
    for i, rendition in enumerate(renditions):
        graph.append(f"[v{i}]{scale_filters(rendition)}[vout{i}]")
    if span.poster:
        p = plan.poster
        graph.append(
            f"[vposter]trim=start={p.time:.3f},trim=end_frame=1,"
            f"scale={p.width}:{p.height},setsar=1[poster]"
        )
    if thumbs:
        s = plan.storyboard
        graph.append(
            f"[vthumbs]select='gte(t,({span.thumbs_from}+selected_n)*{s.interval:g}-0.001)',"
            f"scale={s.tile_width}:{s.tile_height},setsar=1[thumbs]"
        )
    cmd += ["-filter_complex", ";".join(graph)]
    for i in range(len(renditions)):
        cmd += ["-map", f"[vout{i}]"]
    cmd += ["-map_metadata", "-1", "-map_chapters", "-1"]
    seg = segment_fraction(plan)
    encoder = video_encoder_args(plan, settings)
    # keyframes on the one-pass encode's instants: (first segment + n) * D; ffmpeg's ``t``
    # counts from the chunk's first frame (first_frame / R of the source's timeline), and
    # 1 µs of slack keeps a frame right on a boundary (rounding) a keyframe, as ceil() does
    rate = Fraction(plan.frame_rate)
    offset = f"{span.first_frame}*{rate.denominator}/{rate.numerator}"
    encoder[encoder.index("-force_key_frames") + 1] = (
        f"expr:gte(t,({span.first_segment}+n_forced)*{plan.segment_duration:g}-{offset}-1e-6)"
    )
    cmd += encoder
    for i, rendition in enumerate(renditions):
        cmd += video_rate_args(plan, rendition, stream=i)
        if not rendition.hdr:  # x264: parameter sets whatever the CRF (see the docstring)
            cmd += [f"-x264-params:v:{i}", STITCHABLE]
    muxer = hls_muxer_args(video, out)
    # the muxer cuts where a keyframe is at least k * hls_time after the chunk's first
    # frame; keyframes fall on (first segment + k) * D, up to one frame less after it
    muxer[muxer.index("-hls_time") + 1] = f"{float(seg - 1 / Fraction(plan.frame_rate)):.6f}"
    cmd += [*muxer[:-2], "-hls_segment_options", "use_editlist=0", *muxer[-2:]]
    cmd.append(str(out / layout.HLS_DIR / "%v" / "index.m3u8"))
    if span.poster:
        cmd += ["-map", "[poster]", *_jpeg_args(), str(out / layout.POSTER)]
    if thumbs:
        cmd += ["-map", "[thumbs]", "-frames:v", str(thumbs), "-c:v", "png",
                "-start_number", str(span.thumbs_from), "-f", "image2",
                str(out / THUMBS_DIR / THUMB_PATTERN)]  # fmt: skip
    return cmd


def build_audio_command(
    plan: EncodePlan, *, ffmpeg: str, source: str | Path, out_dir: str | Path
) -> list[str]:
    """The ffmpeg command of the audio step: every alternate audio rendition of the plan
    (one per source audio stream, ``plan.audio``), each source stream decoded once for
    the whole source, HLS fMP4 under ``out_dir``: what a one-pass encode makes of them."""
    out = Path(out_dir)
    audio = replace(plan, video_stream=None, renditions=())
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(source)]
    graph = [f"[0:{t.stream}]{audio_filters()}[aout{j}]" for j, t in enumerate(plan.audio)]
    cmd += ["-filter_complex", ";".join(graph)]
    for j in range(len(plan.audio)):
        cmd += ["-map", f"[aout{j}]"]
    cmd += ["-map_metadata", "-1", "-map_chapters", "-1"]
    cmd += ["-c:a", "aac", "-ac", "2", "-ar", str(AUDIO_SAMPLE_RATE)]
    for j, track in enumerate(plan.audio):
        cmd += [f"-b:a:{j}", f"{track.kbps}k"]
    muxer = hls_muxer_args(audio, out)
    at = muxer.index("-var_stream_map") + 1
    # no video here to carry the group: the join's master playlist names it
    muxer[at] = muxer[at].replace(f",agroup:{AUDIO_GROUP}", "")
    cmd += muxer
    cmd.append(str(out / layout.HLS_DIR / "%v" / "index.m3u8"))
    return cmd


# --- the probe, carried from the chunks to the join ------------------------------------------


def media_info_to_json(info: MediaInfo) -> dict:
    """``MediaInfo`` as JSON (fractions as strings), for a chunk's manifest."""

    def convert(value):
        if isinstance(value, Fraction):
            return str(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return convert(asdict(info))


def media_info_from_json(data: dict) -> MediaInfo:
    """The inverse of ``media_info_to_json``."""
    video = data.get("video")
    if video is not None:
        rate = video.get("frame_rate")
        rate = Fraction(rate) if rate else None
        hdr10 = {k: tuple(video[k]) for k in ("mastering_display", "content_light") if video.get(k)}
        video = VideoStreamInfo(
            **{**video, "sar": Fraction(video["sar"]), "frame_rate": rate, **hdr10}
        )
    audio = AudioStreamInfo(**data["audio"]) if data.get("audio") else None
    return MediaInfo(
        **{
            **data,
            "video": video,
            "audio": audio,
            "chapters": tuple(ChapterInfo(**c) for c in data.get("chapters") or ()),
            "audio_tracks": tuple(AudioStreamInfo(**t) for t in data.get("audio_tracks") or ()),
        }
    )
