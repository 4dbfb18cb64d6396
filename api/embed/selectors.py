"""Reads of embed tokens, and the video an embed request may play.

Who gets a video's player config through the embed endpoints: whoever may see the video
(``api.videos.selectors.video_get``: visibility, owners, groups, staff, a password grant),
or whoever holds a valid embed token **of that video** (not expired, not revoked), whatever
the video's visibility.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from api.core.errors import NotFound, PodError
from api.embed.models import EmbedToken
from api.videos.models import Video
from api.videos.selectors import video_get

#: the header that may carry an embed token (else the ``token`` query parameter)
EMBED_TOKEN_HEADER = "X-Embed-Token"


class InvalidEmbedToken(PodError):
    """An embed token that is unknown, expired, revoked or of another video (HTTP 403)."""

    status, code = 403, "invalid_embed_token"
    default_message = "The embed token is invalid, expired or revoked: ask the owner for another."


def token_hash(secret: str) -> str:
    """The stored form of an embed token's secret: SHA-256, hex (64 characters)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def embed_token_list(*, video: Video) -> QuerySet[EmbedToken]:
    """The embed tokens of ``video``, newest first (revoked and expired ones included)."""
    return EmbedToken.objects.filter(video=video).select_related("created_by")


def embed_token_get(*, video: Video, token_id: UUID) -> EmbedToken:
    """One embed token of ``video``; NotFound (404) otherwise."""
    token = EmbedToken.objects.filter(video=video, pk=token_id).first()
    if token is None:
        raise NotFound("No such embed token.")
    return token


def embed_token_video(*, video_id: UUID, secret: str) -> Video:
    """The video ``secret`` (an embed token) opens; it must be that video's, unexpired
    and not revoked: InvalidEmbedToken (403) otherwise (also for a video that no longer
    exists: a token says nothing about other videos)."""
    if not secret or len(secret) > 200:
        raise InvalidEmbedToken()
    token = (
        EmbedToken.objects.select_related("video", "video__owner")
        .filter(
            token_hash=token_hash(secret),
            video_id=video_id,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if token is None:
        raise InvalidEmbedToken()
    return token.video


def embed_video_get(
    *, video_id: UUID, user, secret: str | None = None, grant: str | None = None
) -> Video:
    """The video to play in an embed: through the embed token ``secret`` when one is
    given (InvalidEmbedToken, 403), else by the access rules for ``user`` (NotFound,
    404)."""
    if secret:
        return embed_token_video(video_id=video_id, secret=secret)
    return video_get(video_id=video_id, user=user, grant=grant)
