"""Media serving: the outputs of videos, under ``videos/<id>/`` (never their source,
never anything else, such as the upload spool).

- ``/media/videos/<id>/...`` (plain): public videos only (published, public, ready:
  looked up by the id in the path); 404 for any other video. ``Cache-Control: public``.
- ``/media/t/<token>/videos/<id>/...``: any video, with a valid token for that video's
  prefix (``api.playback.tokens``, no database query); 403 ``invalid_media_token``
  otherwise. ``Cache-Control: private`` until the token expires.

Then, with ``MEDIA_ACCEL_REDIRECT`` set (the URL prefix of an nginx ``internal``
location mapped to ``MEDIA_ROOT``), an empty response with ``X-Accel-Redirect``: nginx
sends the file (and handles Range). Otherwise, with ``MEDIA_SERVE`` (development, the
embedded default), the file from ``MEDIA_ROOT`` with HTTP Range support (RFC 9110 §14,
``api.playback.ranges``: one byte range → 206, an unsatisfiable one → 416, several or
malformed → the whole file with 200), validators (``ETag``, ``Last-Modified`` → 304) and
HEAD answered from the file's metadata alone (the file is not opened).

With ``STORAGE_BACKEND=s3`` (always enabled): HLS playlists (``.m3u8``) and the DASH MPD
(``.mpd``), both small, are read
from the bucket and sent by the API, so that the relative URIs inside them resolve against
the API's URL (with its token path segment); every other file (segments, init segments,
MP4, images, WebVTT) answers a 302 redirect to a presigned GET URL of the object, valid
``S3_PRESIGN_SECONDS`` (S3 then handles Range requests). The redirect may be cached for
half that time at most.

Every media response, errors and preflights included, carries CORS headers for any
origin (``api.playback.cors``).
"""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path, PurePosixPath
from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from api.core import storage
from api.core.envelope import json_error_response, pod_error_response
from api.core.errors import InvalidMediaToken
from api.playback.cors import media_cors
from api.playback.ranges import RangeNotSatisfiable, byte_range
from api.playback.tokens import media_scope, media_token_check
from api.videos.selectors import video_is_public

_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt",
    ".json": "application/json",
}


#: read from the bucket and sent by the API (their relative URLs must resolve against it)
_MANIFESTS = frozenset({".m3u8", ".mpd"})


class _RangeFile:
    """A file object limited to ``length`` bytes from its current position."""

    def __init__(self, fh, length: int) -> None:
        self.fh, self.remaining = fh, length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.fh.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.fh.close()


def _resolve(path: str) -> Path:
    """The regular file ``path`` names under ``MEDIA_ROOT`` (not in the upload spool);
    Http404 otherwise, also for names the OS refuses (a NUL byte, too long)."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        full = (root / path).resolve()
        spool = Path(settings.UPLOAD_SPOOL_DIR).resolve()
        found = full.is_relative_to(root) and not full.is_relative_to(spool) and full.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise Http404
    return full


def _check_enabled() -> None:
    if not (settings.MEDIA_SERVE or settings.MEDIA_ACCEL_REDIRECT or storage.is_s3()):
        raise Http404


@media_cors
@require_safe
def media_file(request: HttpRequest, path: str) -> HttpResponse:
    """A file of a public video, under its plain URL; 404 for anything else."""
    _check_enabled()
    scope = media_scope(path)
    if scope is None or not video_is_public(video_id=UUID(scope.split("/")[1])):
        raise Http404
    response = _serve(request, path)
    if response.status_code < 400:
        max_age = _max_age(response, settings.MEDIA_PUBLIC_CACHE_SECONDS)
        response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@media_cors
@require_safe
def media_file_tokened(request: HttpRequest, token: str, path: str) -> HttpResponse:
    """A file of any video, under a URL with a valid token for that video; 403
    ``invalid_media_token`` otherwise."""
    _check_enabled()
    try:
        expires = media_token_check(token=token, path=path)
    except InvalidMediaToken as exc:
        response = pod_error_response(exc)
        response["Cache-Control"] = "no-store"
        return response
    response = _serve(request, path)
    if response.status_code < 400:
        max_age = _max_age(response, max(int(expires - time.time()), 0))
        response["Cache-Control"] = f"private, max-age={max_age}"
    return response


def _max_age(response: HttpResponse, max_age: int) -> int:
    """A redirect to a presigned URL is cached for half the URL's lifetime at most."""
    if response.status_code == 302:
        return min(max_age, settings.S3_PRESIGN_SECONDS // 2)
    return max_age


def _content_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _serve(request: HttpRequest, name: str) -> HttpResponse:
    if storage.is_s3():
        response = _s3_response(name, request.method)
    elif settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=_content_type(name))
        prefix = settings.MEDIA_ACCEL_REDIRECT.rstrip("/")
        response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"
    else:
        response = _file_response(request, _resolve(name))
    return response


def _s3_response(name: str, method: str) -> HttpResponse:
    """A playlist's bytes read from the bucket, or a redirect to a presigned URL (signed
    for the request's method: GET or HEAD)."""
    if PurePosixPath(name).suffix in _MANIFESTS:
        try:
            body = storage.read_bytes(name)
        except FileNotFoundError:
            raise Http404 from None
        return HttpResponse(body, content_type=_content_type(name))
    if not storage.exists(name):
        raise Http404
    return HttpResponseRedirect(storage.presigned_url(name, method=method))


def _file_response(request: HttpRequest, full: Path) -> HttpResponse:
    """The file, whole (200) or one byte range of it (206), 304 when the client's copy is
    current (``If-None-Match``/``If-Modified-Since``), 416 for an unsatisfiable range.
    ``If-Range`` naming another version sends the whole file. A HEAD answers the same
    headers without opening the file."""
    try:
        stat = full.stat()
    except OSError:
        raise Http404 from None
    size = stat.st_size
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    last_modified = http_date(stat.st_mtime)
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": last_modified}
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if not_modified is not None:
        for key, value in headers.items():
            not_modified[key] = value
        return not_modified
    # If-Range naming another version (or garbage): the Range does not apply
    current = request.headers.get("If-Range") in (None, etag, last_modified)
    try:
        wanted = byte_range(request.headers.get("Range"), size) if current else None
    except RangeNotSatisfiable:
        response = json_error_response(
            416, "range_not_satisfiable", "The requested range is not satisfiable."
        )
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is None:
        status, start, length = 200, 0, size
        headers["Content-Disposition"] = content_disposition_header(False, full.name)
    else:
        status, start, length = 206, wanted[0], wanted[1] - wanted[0] + 1
        headers["Content-Range"] = f"bytes {wanted[0]}-{wanted[1]}/{size}"
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=_content_type(full.name))
    else:
        try:
            fh = open(full, "rb")  # noqa: SIM115 - FileResponse closes it
        except OSError:
            raise Http404 from None
        fh.seek(start)
        body = fh if status == 200 else _RangeFile(fh, length)
        response = FileResponse(body, status=status, content_type=_content_type(full.name))
    for key, value in headers.items():
        response[key] = value
    response["Content-Length"] = str(length)
    return response
