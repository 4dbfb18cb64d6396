"""Media file serving for development and the embedded default: files from
``MEDIA_ROOT`` with HTTP Range support (RFC 9110 §14: one byte range → 206, an
unsatisfiable one → 416, several → the whole file with 200).

Production serves media through nginx (X-Accel-Redirect) or S3; see the playback
issue's private-media path. Upload spool files are never served.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from api.core.envelope import json_error_response

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt",
    ".json": "application/json",
}


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
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / path).resolve()
    spool = Path(settings.UPLOAD_SPOOL_DIR).resolve()
    if not full.is_relative_to(root) or full.is_relative_to(spool) or not full.is_file():
        raise Http404
    return full


@require_safe
def media_file(request: HttpRequest, path: str) -> HttpResponse:
    if not settings.MEDIA_SERVE:
        raise Http404
    full = _resolve(path)
    size = full.stat().st_size
    content_type = _TYPES.get(full.suffix) or mimetypes.guess_type(full.name)[0]
    content_type = content_type or "application/octet-stream"
    match = _RANGE.match(request.headers.get("Range", "").strip())
    fh = open(full, "rb")  # noqa: SIM115 - FileResponse closes it
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # suffix range: the last N bytes
            start, end = max(size - int(match[2]), 0), size - 1
        if start >= size or start > end:
            fh.close()
            response = json_error_response(
                416, "range_not_satisfiable", "The requested range is not satisfiable."
            )
            response["Content-Range"] = f"bytes */{size}"
            return response
        fh.seek(start)
        response = FileResponse(
            _RangeFile(fh, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(fh, content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(full.stat().st_mtime)
    response["Access-Control-Allow-Origin"] = "*"
    return response
