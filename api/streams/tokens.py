"""Stream tokens: how a browser's ``EventSource`` (which cannot send an
``Authorization`` header) opens a stream as a user: ``?token=<token>``.

The media token scheme of ``api.playback.tokens`` (``<expires>.<signature>``, the first
128 bits of HMAC-SHA256 keyed from ``SECRET_KEY`` with ``salted_hmac``, base64url),
with the user it stands for in front: ``<user id>.<expires>.<signature>`` over
``<subject>\\n<user id>\\n<expires>``, the subject being ``video:<id>`` or ``live:<id>``.
A token opens only its subject's stream, until it expires (``SSE_TOKEN_SECONDS``; only
checked when a stream opens), and only with the rights its user has at that moment.
"""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from api.core.errors import PodError
from api.core.parsing import parse_uint

_SALT = "podv5.stream-token"


class InvalidStreamToken(PodError):
    """A ``?token=`` that is malformed, tampered with, expired or for another stream
    (HTTP 403)."""

    status, code = 403, "invalid_stream_token"
    default_message = "The stream token is invalid or expired: ask for a new one."


def _signature(subject: str, user_id: int, expires: int) -> str:
    digest = salted_hmac(_SALT, f"{subject}\n{user_id}\n{expires}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def stream_token(*, subject: str, user_id: int) -> tuple[str, int]:
    """A token for ``subject``'s stream as user ``user_id``; returns (token, expires in
    Unix seconds)."""
    expires = int(time.time()) + int(settings.SSE_TOKEN_SECONDS)
    return f"{user_id}.{expires}.{_signature(subject, user_id, expires)}", expires


def stream_token_user_id(*, token: str, subject: str) -> int:
    """The user id a valid token for ``subject`` stands for; InvalidStreamToken (403)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidStreamToken()
    user_id, expires = parse_uint(parts[0]), parse_uint(parts[1])
    if user_id is None or expires is None:
        raise InvalidStreamToken()
    if not constant_time_compare(parts[2], _signature(subject, user_id, expires)):
        raise InvalidStreamToken()
    if expires <= time.time():
        raise InvalidStreamToken("The stream token has expired: ask for a new one.")
    return user_id
