"""API keys.

A key is ``pod_<prefix>_<secret>``: ``prefix`` is 12 hex characters (public, unique,
stored: it finds the row and names the key in lists), ``secret`` 32 random bytes in
base64url (43 characters, 256 bits). Only the SHA-256 digest of the whole key is stored:
a leaked database gives no usable key, and a key this random needs no slow hash.
The key is shown once, when it is created.

**Scopes** narrow what the owner may do through the key; they never widen it:

- ``read``: safe methods only (GET, HEAD, OPTIONS);
- ``upload``: ``read`` plus creating videos (``POST /api/v1/videos``) and tus uploads;
- ``manage``: everything the owner may do, except managing API keys and changing the
  password (those need a login: a leaked key cannot make itself permanent).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    READ = "read", "Read (safe methods only)"
    UPLOAD = "upload", "Upload (read, create videos, tus uploads)"
    MANAGE = "manage", "Manage (everything the owner may do)"


class ApiKey(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'Moodle'.")
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part of the key.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the key, hex.")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["owner", "revoked_at"], name="apikey_owner_revoked")]

    def __str__(self) -> str:
        return f"pod_{self.prefix}_… ({self.name})"
