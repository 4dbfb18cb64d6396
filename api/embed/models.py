"""Embed tokens: what lets a page on another site play a video that is not public.

An owner (or staff) creates one for a video (``POST /api/v1/videos/{id}/embed-tokens``);
the secret is shown once and stored as its SHA-256 only. Whoever holds it gets that
video's player config (``GET /api/v1/videos/{id}/embed``, ``/embed/<id>?token=``),
whose media URLs carry the usual expiring HMAC media tokens (``api.playback.tokens``):
the embed token opens the config, the media tokens open the files. It expires at
``expires_at`` (at most ``EMBED_TOKEN_MAX_SECONDS`` after its creation) and can be
revoked (``revoked_at``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class EmbedToken(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="embed_tokens")
    #: SHA-256 (hex) of the secret; the secret itself is never stored
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.label or str(self.id)
