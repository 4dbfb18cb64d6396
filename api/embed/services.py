"""Writes of embed tokens. Keyword-only, typed; raise ``api.core.errors`` exceptions."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.accounts.models import User
from api.core.errors import ValidationFailed
from api.embed.models import EmbedToken
from api.embed.selectors import token_hash
from api.videos.models import Video


@transaction.atomic
def embed_token_create(
    *, video: Video, actor: User, label: str = "", lifetime_seconds: int | None = None
) -> tuple[EmbedToken, str]:
    """A new embed token of ``video`` and its secret (43 URL-safe characters, 256 random
    bits; shown once, stored as its SHA-256). It expires ``lifetime_seconds`` from now
    (default ``EMBED_TOKEN_DEFAULT_SECONDS``); more than ``EMBED_TOKEN_MAX_SECONDS``
    raises ValidationFailed (422, field ``lifetime_seconds``). The caller checked that
    ``actor`` may change the video."""
    lifetime = lifetime_seconds
    if lifetime is None:  # the default, within the bound
        lifetime = min(settings.EMBED_TOKEN_DEFAULT_SECONDS, settings.EMBED_TOKEN_MAX_SECONDS)
    if lifetime > settings.EMBED_TOKEN_MAX_SECONDS:
        raise ValidationFailed(
            f"An embed token lives at most {settings.EMBED_TOKEN_MAX_SECONDS} seconds "
            "(EMBED_TOKEN_MAX_SECONDS).",
            field="lifetime_seconds",
        )
    secret = secrets.token_urlsafe(32)
    token = EmbedToken.objects.create(
        video=video,
        token_hash=token_hash(secret),
        label=label,
        created_by=actor,
        expires_at=timezone.now() + timedelta(seconds=lifetime),
    )
    return token, secret


@transaction.atomic
def embed_token_revoke(*, token: EmbedToken) -> EmbedToken:
    """Revoke ``token`` now (a revoked token stays listed); revoking twice changes
    nothing. Media URLs already handed out keep working until their own expiry (at most
    ``MEDIA_TOKEN_SECONDS`` plus the video's duration)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
