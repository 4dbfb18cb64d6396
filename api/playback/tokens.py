"""Expiring HMAC tokens for the media of non-public videos.

URL shape: ``/media/t/<token>/videos/<video id>/...``: the token is a path segment, so
the relative URIs inside HLS playlists (variants, init segments, media segments) and
the storyboard's WebVTT inherit it.

A token is ``<expires>.<signature>``: ``expires`` in Unix seconds; ``signature`` the
first 128 bits of HMAC-SHA256 (key derived from ``SECRET_KEY`` with ``salted_hmac``) of
``<scope>\\n<expires>``, base64url without padding. The **scope** is the video's storage
prefix ``videos/<id>/``: a token opens the files under that prefix (except the source
file) and nothing else. The scope is not carried by the token but taken from the
requested path, so a token used on another video's path (or any other path) fails the
signature check. Checking a token needs no database query.
"""

from __future__ import annotations

import base64
import posixpath
import re
import time

from django.utils.crypto import constant_time_compare, salted_hmac

from api.core.errors import InvalidMediaToken
from api.core.parsing import parse_uint
from api.videos.models import SOURCE_DIR

_SALT = "podv5.media-token"
_VIDEO_PREFIX = re.compile(r"^videos/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/")


def media_scope(path: str) -> str | None:
    """The scope (``videos/<id>/``) of a storage path that may be served, or None: the
    path must be normalised (no ``..``, ``//``, leading ``/``) and name a file inside a
    video's prefix, outside its source folder."""
    if posixpath.normpath(path) != path.rstrip("/") or path.startswith("/"):
        return None
    match = _VIDEO_PREFIX.match(path)
    if match is None or path == match[0] or path.startswith(match[0] + SOURCE_DIR):
        return None
    return match[0]


def _signature(scope: str, expires: int) -> str:
    digest = salted_hmac(_SALT, f"{scope}\n{expires}", algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def media_token(*, scope: str, expires: int) -> str:
    """A token opening the files under ``scope`` until ``expires`` (Unix seconds)."""
    return f"{expires}.{_signature(scope, expires)}"


def media_token_check(*, token: str, path: str) -> int:
    """Check that ``token`` opens ``path`` now; return its expiry (Unix seconds).
    Raises InvalidMediaToken (403): malformed (``expires`` not ASCII ``1*DIGIT`` of at most
    19 digits), tampered with, for another scope, or expired."""
    text, _, signature = token.partition(".")
    expires = parse_uint(text)  # ASCII digits only: "¹" or 4,400 digits are malformed
    scope = media_scope(path)
    if expires is None or scope is None:
        raise InvalidMediaToken()
    if not constant_time_compare(signature, _signature(scope, expires)):
        raise InvalidMediaToken()
    if expires <= time.time():
        raise InvalidMediaToken("The media token has expired: fetch the player config again.")
    return expires
