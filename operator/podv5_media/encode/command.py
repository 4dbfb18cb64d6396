"""Pure builders of ffmpeg command lines (lists of arguments, no shell).

``build_ffmpeg_command(plan, ...)``: ONE process that decodes the source once and writes
every output of the plan::

    [0:<video>] bwdif (interlaced frames only), fps=<constant rate>:start_time=0,
                format=yuv420p, split=N
        -> scale=WxH, setsar=1            (one per rendition)  -> libx264 -> HLS variant
        -> trim=start=T, trim=end_frame=1, scale=WxH           -> mjpeg   -> poster.jpg
        -> select (one frame every I s), scale, tile=CxR       -> mjpeg   -> sprite.jpg
    [0:<audio k>] aresample=48 kHz stereo (first sample at 0, gaps filled)
        -> aac, ONCE per source audio stream   -> alternate audio rendition (EXT-X-MEDIA)
    (audio-only sources: one audio stream, muxed into the single audio variant)

- HDR (PQ/HLG) sources: the frames are tone-mapped to SDR BT.709 before the split
  (``zscale`` to linear light, ``tonemap=hable``, ``zscale`` to BT.709; the recipe of
  ffmpeg's tonemap documentation) and the H.264 output is labelled BT.709;
- an HDR rendition kept beside them (``spec.hdr.keep``): the decoded 10-bit frames are
  split in two trunks BEFORE the tone-map, still one decode::

    [0:<video>] bwdif, fps, split=2
        -> tone-map to SDR BT.709, split=N (renditions, poster, sprite as above)
        -> format=yuv420p10le, split=M -> scale=WxH -> libx265 Main10 -> HLS variant

  (``hdr_encoder_args``: ``hvc1`` sample entry, BT.2020 primaries and matrix, the PQ or
  HLG transfer, limited range, the source's HDR10 mastering display and content light
  level as x265 ``master-display``/``max-cll``; keyframes forced on the same instants);

- timestamps: ffmpeg rebases the input so it starts at 0; ``fps=...:start_time=0`` and
  ``aresample=...:first_pts=0`` make both outputs start exactly at 0 (padding with the
  first frame / silence), and ``fps`` turns variable frame rates into a constant one;
- rotation: ffmpeg's autorotation (on by default) turns frames upright before the graph;
- keyframes: forced by time on every segment boundary (``-force_key_frames
  expr:gte(t,n_forced*D)``), no scene-cut keyframes (``-sc_threshold 0``), closed GOPs,
  IDR frames, so every rendition's segments start on the same instants;
- video: H.264 High, yuv420p 8-bit, each rendition's rate by the plan's rate control
  (``rate_control.py``: ``Fixed`` capped VBR at the rung's rate, or ``CappedCRF``
  content-aware constant quality under a cap); audio: AAC-LC stereo 48 kHz;
- HLS: fMP4 segments, VOD playlists with ``EXT-X-INDEPENDENT-SEGMENTS``, named variants
  (``-var_stream_map``), a master playlist (rewritten afterwards, see ``hls.py``).

``build_remux_command``: the MP4 fallback, a ``-c copy`` remux of one HLS variant into a
faststart MP4 (no second encode).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from . import layout
from .edit import EditPlan, edit_graph
from .ladder import AUDIO_GROUP, EncodePlan, PlannedRendition
from .rate_control import video_rate_args

AUDIO_SAMPLE_RATE = 48_000
JPEG_QUALITY = 3  # mjpeg -q:v, 2 (best) .. 31


@dataclass(frozen=True)
class EncoderSettings:
    """x264 preset, and threads per encoder (``None``: ffmpeg's default, all cores)."""

    preset: str = "veryfast"
    threads: int | None = None


def build_ffmpeg_command(
    plan: EncodePlan,
    *,
    ffmpeg: str,
    source: str | Path,
    out_dir: str | Path,
    settings: EncoderSettings | None = None,
    progress: bool = True,
    edit: EditPlan | None = None,
) -> list[str]:
    """The single ffmpeg command for ``plan``; outputs go under ``out_dir`` (see layout).

    ``progress``: write ``-progress`` key=value blocks to stdout (see ``progress.py``);
    ``edit``: cut and dressing applied before the split (see ``edit.py``).
    """
    settings = settings or EncoderSettings()
    out = Path(out_dir)
    renditions = plan.renditions
    graph: list[str] = []
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    if progress:
        cmd += ["-nostats", "-progress", "pipe:1", "-stats_period", "0.5"]
    cmd += ["-i", str(source)]

    # the heads of the source's chains: filters, or (edited) the labels of edit.py's output
    video_head = f"[0:{plan.video_stream}]{video_input_filters(plan)}," if plan.has_video else ""
    streams = [plan.audio_stream] if plan.muxed_audio else [t.stream for t in plan.audio]
    audio_heads = [f"[0:{stream}]{audio_filters()}" for stream in streams]
    audio_tail = [","] * len(audio_heads)
    if edit is not None:
        cmd += edit.input_args()
        chains, vlabel, audio_heads = edit_graph(
            edit, video=video_head[:-1] or None, audio=audio_heads, audio_filters=audio_filters()
        )
        graph += chains
        video_head, audio_tail = vlabel or "", [""] * len(audio_heads)

    video_labels: list[str] = []
    if plan.has_video:
        extra = ["vposter"] if plan.poster else []
        extra += ["vsprite"] if plan.storyboard else []
        graph += split_chains(plan, video_head, extra)
        for i, rendition in enumerate(renditions):
            graph.append(f"[v{i}]{scale_filters(rendition)}[vout{i}]")
            video_labels.append(f"[vout{i}]")
        if plan.poster:
            p = plan.poster
            graph.append(
                f"[vposter]trim=start={p.time:.3f},trim=end_frame=1,"
                f"scale={p.width}:{p.height},setsar=1[poster]"
            )
        if plan.storyboard:
            s = plan.storyboard
            graph.append(
                f"[vsprite]select='gte(t,selected_n*{s.interval:g}-0.001)',"
                f"scale={s.tile_width}:{s.tile_height},setsar=1,"
                # no nb_frames: at end of stream tile fills the unused cells with black
                # (with nb_frames they stay uninitialised: green in YUV)
                f"tile=layout={s.columns}x{s.rows}:color=black[sprite]"
            )
    audio_labels: list[str] = []
    if plan.muxed_audio:
        n = len(renditions)
        graph.append(
            f"{audio_heads[0]}{audio_tail[0]}asplit={n}" + "".join(f"[aout{i}]" for i in range(n))
        )
        audio_labels = [f"[aout{i}]" for i in range(n)]
    for j, _track in enumerate(plan.audio):
        # an edited track is a label already: anull gives it the output's name
        graph.append(f"{audio_heads[j]}{'' if edit is None else 'anull'}[aout{j}]")
        audio_labels.append(f"[aout{j}]")

    cmd += ["-filter_complex", ";".join(graph)]
    for label in video_labels + audio_labels:
        cmd += ["-map", label]
    cmd += ["-map_metadata", "-1", "-map_chapters", "-1"]
    if plan.has_video:
        cmd += video_encoder_args(plan, settings)
        for i, rendition in enumerate(renditions):
            cmd += video_rate_args(plan, rendition, stream=i)
    if audio_labels:
        cmd += ["-c:a", "aac", "-ac", "2", "-ar", str(AUDIO_SAMPLE_RATE)]
        rates = [t.kbps for t in plan.audio] or [r.audio_kbps for r in renditions]
        for i, kbps in enumerate(rates):
            cmd += [f"-b:a:{i}", f"{kbps}k"]
    cmd += hls_muxer_args(plan, out)
    cmd.append(str(out / layout.HLS_DIR / "%v" / "index.m3u8"))

    if plan.poster:
        cmd += ["-map", "[poster]", *_jpeg_args(), str(out / layout.POSTER)]
    if plan.storyboard:
        cmd += ["-map", "[sprite]", *_jpeg_args(), str(out / layout.STORYBOARD_IMAGE)]
    return cmd


def video_input_filters(plan: EncodePlan) -> str:
    """Filters applied once to the decoded source video, before the split: deinterlace the
    frames flagged interlaced (a no-op on progressive ones), constant frame rate from 0,
    8-bit 4:2:0 (tone-mapped from HDR). With an HDR rendition kept, the frames stay as
    decoded (``split_chains`` tone-maps the SDR trunk only)."""
    deinterlace_and_rate = (
        f"bwdif=mode=send_frame:deint=interlaced,fps={_rate(plan.frame_rate)}:start_time=0"
    )
    if plan.hdr_renditions:
        return deinterlace_and_rate
    return f"{deinterlace_and_rate},{sdr_filters(plan)}"


def sdr_filters(plan: EncodePlan) -> str:
    """To the SDR ladder's frames: 8-bit 4:2:0, tone-mapped to BT.709 from HDR."""
    return tone_map_filters(plan.tone_map) if plan.tone_map else "format=yuv420p"


#: the HDR rendition's frames: 10-bit 4:2:0, colours untouched (PQ/HLG, BT.2020)
HDR_PIX_FMT = "yuv420p10le"


def split_chains(plan: EncodePlan, head: str, extra: list[str]) -> list[str]:
    """The chains splitting the video ``head`` (``[0:0]filters,`` or a ``[label]``) into
    ``[v<i>]``, one per rendition ``i`` of the plan, and the ``extra`` SDR branches
    (poster, storyboard). With an HDR rendition: first in two trunks, the SDR one
    tone-mapped (``sdr_filters``), the HDR one kept 10-bit (see the module docstring)."""
    sdr = [f"v{i}" for i, r in enumerate(plan.renditions) if not r.hdr] + extra
    hdr = [f"v{i}" for i, r in enumerate(plan.renditions) if r.hdr]

    def split(names: list[str]) -> str:
        return f"split={len(names)}" + "".join(f"[{n}]" for n in names)

    if not hdr:
        return [f"{head}{split(sdr)}"]
    return [
        f"{head}split=2[vsdrtrunk][vhdrtrunk]",
        f"[vsdrtrunk]{sdr_filters(plan)},{split(sdr)}",
        f"[vhdrtrunk]format={HDR_PIX_FMT},{split(hdr)}",
    ]


#: zscale names of the HDR transfers (``tin``)
_HDR_TRANSFER_IN = {"pq": "smpte2084", "hlg": "arib-std-b67"}
#: the tone-mapping operator (ffmpeg ``tonemap``): hable keeps detail in highlights
TONEMAP = "hable"


def tone_map_filters(transfer: str) -> str:
    """HDR (``"pq"`` or ``"hlg"``, BT.2020) to SDR BT.709 yuv420p, limited range: to linear
    light (nominal peak 100 cd/m²), float RGB, BT.709 primaries, ``tonemap``, then BT.709
    transfer and matrix (ffmpeg's tonemap filter documentation recipe). The input's colour
    properties are given explicitly, so untagged intermediate frames can't fail zscale."""
    return (
        f"zscale=tin={_HDR_TRANSFER_IN[transfer]}:pin=bt2020:min=bt2020nc:t=linear:npl=100,"
        "format=gbrpf32le,zscale=p=bt709,"
        f"tonemap=tonemap={TONEMAP}:desat=0,"
        "zscale=t=bt709:m=bt709:r=tv,format=yuv420p"
    )


def scale_filters(rendition: PlannedRendition) -> str:
    """Per-rendition scaling to square pixels, limited range (a no-op at source size)."""
    return f"scale={rendition.width}:{rendition.height}:out_range=tv,setsar=1"


def audio_filters() -> str:
    """Stereo 48 kHz float planar (what the AAC encoder takes), timestamps from 0."""
    return (
        f"aresample={AUDIO_SAMPLE_RATE}:async=1:first_pts=0,"
        f"aformat=sample_fmts=fltp:sample_rates={AUDIO_SAMPLE_RATE}:channel_layouts=stereo"
    )


def video_encoder_args(plan: EncodePlan, settings: EncoderSettings) -> list[str]:
    """libx264 options shared by every rendition (keyframes aligned on segment times),
    then the HDR rendition's own (``hdr_encoder_args``)."""
    seg = plan.segment_duration
    gop = max(1, round(float(plan.frame_rate or 25) * seg))
    args = [
        "-c:v", "libx264",
        "-preset", settings.preset,
        "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        "-fps_mode", "passthrough",
        "-force_key_frames", f"expr:gte(t,n_forced*{seg:g})",
        "-forced-idr", "1",
        "-sc_threshold", "0",
        "-flags", "+cgop",
        # a backstop only: the forced keyframes come first
        "-g", str(2 * gop),
        "-keyint_min", str(gop),
    ]  # fmt: skip
    if plan.tone_map:
        args += ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
        args += ["-color_range", "tv"]
    if settings.threads:
        args += ["-threads", str(settings.threads)]
    for i, rendition in enumerate(plan.renditions):
        if rendition.hdr:  # after the shared options: ffmpeg applies the last match
            args += hdr_encoder_args(plan, stream=i)
    return args


#: ffmpeg's names of the HDR rendition's transfer, by HLS VIDEO-RANGE
HDR_TRANSFERS = {"PQ": "smpte2084", "HLG": "arib-std-b67"}


def hdr_encoder_args(plan: EncodePlan, *, stream: int) -> list[str]:
    """The options of output video stream ``stream``, the HDR rendition, overriding the
    shared H.264 ones: libx265 Main10, ``hvc1`` (parameter sets in the sample entry only,
    as Apple's HLS authoring spec asks for HEVC in fMP4), BT.2020 primaries and matrix
    (non-constant luminance), the PQ or HLG transfer, limited range; x265: no scene-cut
    keyframes, closed GOPs (the shared ``-force_key_frames`` places them), the source's
    HDR10 static metadata (``master-display``, ``max-cll``; x265 then writes the SEI)."""
    rendition = plan.renditions[stream]
    params = ["log-level=error", "scenecut=0", "open-gop=0", "repeat-headers=0"]
    if rendition.video_range == "PQ":
        params.append("hdr10-opt=1")  # x265's luma/chroma QP offsets for PQ pictures
    if plan.mastering_display:
        gx, gy, bx, by, rx, ry, wx, wy, lmax, lmin = plan.mastering_display
        params.append(
            f"master-display=G({gx},{gy})B({bx},{by})R({rx},{ry})WP({wx},{wy})L({lmax},{lmin})"
        )
    if plan.content_light:
        params.append("max-cll={},{}".format(*plan.content_light))
    v = f"v:{stream}"
    return [
        f"-c:{v}", "libx265",
        f"-profile:{v}", "main10",
        f"-pix_fmt:{v}", HDR_PIX_FMT,
        f"-tag:{v}", "hvc1",
        f"-color_primaries:{v}", "bt2020",
        f"-color_trc:{v}", HDR_TRANSFERS[rendition.video_range],
        f"-colorspace:{v}", "bt2020nc",
        f"-color_range:{v}", "tv",
        f"-x265-params:{v}", ":".join(params),
    ]  # fmt: skip


def hls_muxer_args(plan: EncodePlan, out: Path) -> list[str]:
    """The HLS muxer: one variant per video rendition (with its muxed audio for audio-only
    sources), plus one audio-only variant stream per alternate audio rendition, all in
    the audio group (ffmpeg ``-var_stream_map`` ``agroup``)."""
    names = [r.name for r in plan.renditions]
    streams = []
    group = f",agroup:{AUDIO_GROUP}" if plan.audio else ""
    for i, name in enumerate(names):
        parts = [f"v:{i}"] if plan.has_video else []
        parts += [f"a:{i}"] if plan.muxed_audio else []
        streams.append(",".join([*parts, f"name:{name}"]) + group)
    for j, track in enumerate(plan.audio):
        language = f",language:{track.language}" if track.language else ""
        default = ",default:yes" if track.default else ""
        streams.append(f"a:{j}{group},name:{track.name}{language}{default}")
        names.append(track.name)
    # with one variant ffmpeg does not expand %v in the init file name
    init = "init_%v.mp4" if len(names) > 1 else f"init_{names[0]}.mp4"
    return [
        "-max_muxing_queue_size", "1024",
        "-f", "hls",
        "-hls_time", f"{plan.segment_duration:g}",
        "-hls_playlist_type", "vod",
        "-hls_list_size", "0",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", init,
        "-hls_segment_filename", str(out / layout.HLS_DIR / "%v" / "seg_%05d.m4s"),
        "-master_pl_name", Path(layout.MASTER_PLAYLIST).name,
        "-var_stream_map", " ".join(streams),
    ]  # fmt: skip


def build_remux_command(
    *,
    ffmpeg: str,
    playlist: str | Path,
    output: str | Path,
    audio_playlist: str | Path | None = None,
) -> list[str]:
    """Remux an HLS variant (and, for demuxed audio, the default audio rendition's
    playlist) into a progressive MP4 with the index up front (``-c copy``)."""
    inputs = ["-i", str(playlist)]
    maps = ["-map", "0"]
    if audio_playlist is not None:
        inputs += ["-i", str(audio_playlist)]
        maps = ["-map", "0:v", "-map", "1:a"]
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *inputs,
        *maps, "-c", "copy", "-map_metadata", "-1",
        "-movflags", "+faststart",
        "-f", "mp4", str(output),
    ]  # fmt: skip


def _jpeg_args() -> list[str]:
    return ["-frames:v", "1", "-c:v", "mjpeg", "-q:v", str(JPEG_QUALITY), "-update", "1"]


def _rate(rate: Fraction | None) -> str:
    rate = Fraction(rate or 25)
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"
