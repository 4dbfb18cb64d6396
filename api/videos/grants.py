"""Grants: what ``POST /api/v1/videos/{id}/unlock`` gives for the right password.

A grant is a signed, timestamped token (``django.core.signing``, keyed from
``SECRET_KEY``) naming one video and its ``password_version``. The client sends it back
in the ``X-Video-Grant`` header of ``GET /videos/{id}`` and ``GET /videos/{id}/player``
(a header, not a query parameter, so it stays out of logs and Referer headers; media
URLs carry their own token). It expires after ``VIDEO_GRANT_SECONDS``; a new password
(a new ``password_version``) revokes the grants of the old one. It is a bearer token:
whoever holds it may watch that video until it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.utils import timezone

from api.core.errors import InvalidGrant

GRANT_HEADER = "X-Video-Grant"
_SALT = "podv5.video-grant"


@dataclass(frozen=True)
class VideoGrant:
    video_id: UUID
    password_version: int


def grant_issue(*, video_id: UUID, password_version: int) -> tuple[str, datetime]:
    """A grant token for the video and its expiry time."""
    token = signing.dumps({"v": video_id.hex, "n": password_version}, salt=_SALT)
    return token, timezone.now() + timedelta(seconds=settings.VIDEO_GRANT_SECONDS)


def grant_read(token: str) -> VideoGrant:
    """The grant a token carries; raises InvalidGrant (403) when it is malformed,
    tampered with or older than ``VIDEO_GRANT_SECONDS``."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.VIDEO_GRANT_SECONDS)
        return VideoGrant(video_id=UUID(hex=data["v"]), password_version=int(data["n"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidGrant() from None
