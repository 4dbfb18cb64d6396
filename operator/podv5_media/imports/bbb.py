"""BigBlueButton recordings: the files a BBB server publishes for a recording, fetched
over HTTP(S) from the server of the recording's URL (``<origin>``), by record id
(``<rid>``: ``<meeting internal id>-<start ms>``).

What is fetched, in this order (the first that exists wins; a 404 moves on):

1. the ``video`` format (bbb-recording-video, when the server publishes it: slides,
   screen sharing, webcams and chat already composed into one file):
   ``<origin>/video/<rid>/video-0.m4v``;
2. the ``presentation`` format's media: the webcams (the meeting's sound, and the
   cameras) ``<origin>/presentation/<rid>/video/webcams.mp4``, else ``.../webcams.webm``
   (BBB < 2.6 publishes WebM only); and the screen sharing when there was one,
   ``<origin>/presentation/<rid>/deskshare/deskshare.mp4``, else ``.../deskshare.webm``.
   With a screen sharing, the source is its picture with the webcams' sound (one
   ``ffmpeg -c copy`` into Matroska, no encode; the webcam picture is not kept); without,
   the webcams file as it is. The slides themselves (SVG/PNG drawn by the player) are
   not in these files: the ``video`` format is what renders them.

Metadata (best effort: missing or unreadable, none): the meeting's name from
``<origin>/presentation/<rid>/metadata.xml`` (``recording/meeting@name``, else
``recording/meta/meetingName``) becomes the title. Every file, metadata included,
counts against the import's size limit and goes through the same guarded client.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

from podv5_contract.imports import ImportedMetadata, ImportSpec, bbb_record_id
from podv5_contract.net import Target
from podv5_media.fetch import Downloaded, FetchFailed, GuardedClient
from podv5_media.ffmpeg import FfmpegError, run_ffmpeg

log = logging.getLogger(__name__)

#: the largest metadata.xml read, bytes
METADATA_MAX = 256 * 1024


def paths(record_id: str) -> dict[str, list[str]]:
    """The candidate paths of each file, in order of preference."""
    presentation = f"/presentation/{record_id}"
    return {
        "video": [f"/video/{record_id}/video-0.m4v"],
        "webcams": [f"{presentation}/video/webcams.mp4", f"{presentation}/video/webcams.webm"],
        "deskshare": [
            f"{presentation}/deskshare/deskshare.mp4",
            f"{presentation}/deskshare/deskshare.webm",
        ],
        "metadata": [f"{presentation}/metadata.xml"],
    }


def fetch(
    client: GuardedClient, target: Target, folder: Path, spec: ImportSpec, *, ffmpeg: str
) -> tuple[Downloaded, ImportedMetadata]:
    """Download the recording at ``target`` into ``folder``: ``(the source, metadata)``."""
    record_id = bbb_record_id(target)
    if record_id is None:
        raise FetchFailed("import_invalid_url", f"{target.url} is not a BigBlueButton recording")
    origin = f"{target.url.scheme}://{target.url.netloc.decode('ascii')}"
    candidates = paths(record_id)
    meta = _metadata(client, origin + candidates["metadata"][0])
    budget = _Budget(spec)

    video = _first(client, origin, candidates["video"], folder / "video", budget)
    if video is not None:
        return video, meta
    webcams = _first(client, origin, candidates["webcams"], folder / "webcams", budget)
    if webcams is None:
        raise FetchFailed("import_not_found", f"no published media for recording {record_id}")
    deskshare = _first(client, origin, candidates["deskshare"], folder / "deskshare", budget)
    if deskshare is None:
        return webcams, meta
    return _screen_with_sound(deskshare, webcams, folder / "recording.mkv", ffmpeg), meta


class _Budget:
    """Bytes left of the size limit and of the quota across the recording's files."""

    def __init__(self, spec: ImportSpec) -> None:
        self.max_bytes = spec.max_bytes
        self.quota_bytes = spec.quota_bytes

    def spend(self, size: int) -> None:
        self.max_bytes -= size
        if self.quota_bytes is not None:
            self.quota_bytes -= size


def _first(
    client: GuardedClient, origin: str, candidates: list[str], stem: Path, budget: _Budget
) -> Downloaded | None:
    for path in candidates:
        dest = stem.with_suffix(Path(path).suffix)
        try:
            got = client.download(
                origin + path, dest, max_bytes=budget.max_bytes, quota_bytes=budget.quota_bytes
            )
        except FetchFailed as exc:
            if exc.reason == "import_not_found":
                continue
            raise
        budget.spend(got.size)
        log.info("bbb: fetched %s (%d bytes)", path, got.size)
        return got
    return None


def _screen_with_sound(
    deskshare: Downloaded, webcams: Downloaded, output: Path, ffmpeg: str
) -> Downloaded:
    """The screen sharing's picture with the webcams' sound, copied (no encode)."""
    cmd = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-i", str(deskshare.path), "-i", str(webcams.path),
        "-map", "0:v:0", "-map", "1:a:0?", "-c", "copy", "-f", "matroska", str(output),
    ]  # fmt: skip
    try:
        run_ffmpeg(cmd)
    except FfmpegError as exc:
        raise FetchFailed("unsupported_media", f"BBB screen sharing and webcams: {exc}") from exc
    deskshare.path.unlink(missing_ok=True)
    webcams.path.unlink(missing_ok=True)
    return Downloaded(
        path=output,
        size=output.stat().st_size,
        url=deskshare.url,
        filename="recording.mkv",
        content_type="video/x-matroska",
    )


def _metadata(client: GuardedClient, url: str) -> ImportedMetadata:
    try:
        body, _ = client.get_bytes(url, max_bytes=METADATA_MAX)
    except FetchFailed as exc:
        if exc.reason in ("import_forbidden_address", "import_timeout"):
            raise
        log.info("bbb: no metadata (%s)", exc)
        return ImportedMetadata()
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        return ImportedMetadata()  # recordings' metadata have none: never expand entities
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        log.info("bbb: unreadable metadata.xml (%s)", exc)
        return ImportedMetadata()
    meeting = root.find("meeting")
    name = meeting.get("name") if meeting is not None else None
    name = name or root.findtext("meta/meetingName") or root.findtext("meta/meetingname")
    return ImportedMetadata(title=name.strip()[:250] if name and name.strip() else None)
