"""PeerTube videos: resolved through PeerTube's REST API, ``GET /api/v1/videos/{id}``
(https://docs.joinpeertube.org/api-rest-reference.html#tag/Video/operation/getVideo),
anonymously: public and unlisted videos only.

From the answer (``VideoDetails``):

- the file: among ``files`` (web videos) and ``streamingPlaylists[].files`` (HLS
  fragmented MP4s), those with sound (``hasAudio`` not false: PeerTube 7 may store
  video-only streams) and a ``fileDownloadUrl`` or ``fileUrl``; the highest
  ``resolution.id`` up to 1080 (our ladder's top: more is downloaded for nothing), else
  the lowest above it; a web video before an HLS file of the same resolution;
- refused: a live (``isLive``), a video whose owner turned downloads off
  (``downloadEnabled: false``), one without a file (``import_not_found``);
- metadata: ``name`` → title, ``description`` (else ``truncatedDescription``),
  ``licence.id`` (1-7: the Creative Commons 4.0 licences and public domain, mapped to
  ours), ``tags``, ``language.id``.
"""

from __future__ import annotations

from podv5_contract.imports import ImportedMetadata, peertube_video_id
from podv5_contract.net import Target
from podv5_media.fetch import FetchFailed, GuardedClient

#: PeerTube's licence ids (server/initializers/constants.ts VIDEO_LICENCES) → ours
LICENCES = {
    1: "cc-by",
    2: "cc-by-sa",
    3: "cc-by-nd",
    4: "cc-by-nc",
    5: "cc-by-nc-sa",
    6: "cc-by-nc-nd",
    7: "cc0",
}
#: the highest resolution worth downloading: our ladder's top rung
TOP_HEIGHT = 1080


def api_url(target: Target) -> str:
    """``<scheme>://<host>/api/v1/videos/<id>`` of a PeerTube video URL."""
    video_id = peertube_video_id(target)
    if video_id is None:
        raise FetchFailed("import_invalid_url", f"{target.url} is not a PeerTube video URL")
    origin = f"{target.url.scheme}://{target.url.netloc.decode('ascii')}"
    return f"{origin}/api/v1/videos/{video_id}"


def resolve(client: GuardedClient, target: Target) -> tuple[str, ImportedMetadata]:
    """``(URL of the file to download, metadata)`` of the PeerTube video at ``target``."""
    video = client.get_json(api_url(target))
    if not isinstance(video, dict):
        raise FetchFailed("import_failed", "PeerTube answered something else than a video")
    if video.get("isLive"):
        raise FetchFailed("import_failed", "this PeerTube video is a live: nothing to import")
    if video.get("downloadEnabled") is False:
        raise FetchFailed("import_failed", "the PeerTube video's owner turned downloads off")
    url = best_file_url(video)
    if url is None:
        raise FetchFailed("import_not_found", "the PeerTube video has no downloadable file")
    return url, metadata(video)


def best_file_url(video: dict) -> str | None:
    """The file to import (see the module docstring), None if there is none."""
    candidates = []
    groups = [(0, video.get("files"))] + [
        (1, playlist.get("files"))
        for playlist in video.get("streamingPlaylists") or []
        if isinstance(playlist, dict)
    ]
    for rank, files in groups:
        for item in files if isinstance(files, list) else []:
            if not isinstance(item, dict) or item.get("hasAudio") is False:
                continue
            url = item.get("fileDownloadUrl") or item.get("fileUrl")
            resolution = item.get("resolution") or {}
            height = resolution.get("id") if isinstance(resolution, dict) else None
            if isinstance(url, str) and isinstance(height, int):
                candidates.append((height, rank, url))
    if not candidates:
        return None
    fitting = [c for c in candidates if c[0] <= TOP_HEIGHT]
    if fitting:
        return min(fitting, key=lambda c: (-c[0], c[1]))[2]
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


def metadata(video: dict) -> ImportedMetadata:
    def text(value, limit: int) -> str | None:
        return value[:limit] if isinstance(value, str) and value.strip() else None

    licence = video.get("licence") if isinstance(video.get("licence"), dict) else {}
    language = video.get("language") if isinstance(video.get("language"), dict) else {}
    tags = [t[:64] for t in video.get("tags") or [] if isinstance(t, str) and t.strip()]
    return ImportedMetadata(
        title=text(video.get("name"), 250),
        description=text(video.get("description") or video.get("truncatedDescription"), 10_000),
        licence=LICENCES.get(licence.get("id")),
        tags=tags[:32],
        language=text(language.get("id"), 35),
    )
