"""What the Esup-Pod V4 import brought, and where: one row per imported V4 object.

``(kind, v4_id)`` is unique: a second run finds the row and updates the object it points
to instead of creating another (the import is idempotent). ``target_id`` is our primary
key as text (integers and UUIDs alike). For videos, ``slug`` keeps V4's slug
(``%04d-<slugified title>``) so V4's links keep working (``api.migration_v4.views``).
``data`` holds what the next run compares with: the password hash a user was imported
with, the source file and caption files already copied.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    USER = "user", "User"
    ACCESS_GROUP = "access_group", "Access group"
    TYPE = "type", "Video type"
    DISCIPLINE = "discipline", "Discipline"
    CHANNEL = "channel", "Channel"
    THEME = "theme", "Theme"
    VIDEO = "video", "Video"
    SOURCE = "source", "Source file of a video"
    TRACK = "track", "Caption track"
    CHAPTER = "chapter", "Chapter"
    COMMENT = "comment", "Comment"
    PLAYLIST = "playlist", "Playlist"


class V4Import(models.Model):
    """One imported V4 object: V4's ``kind`` and id → our primary key."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    v4_id = models.BigIntegerField()
    target_id = models.CharField(max_length=64)
    slug = models.CharField(max_length=255, blank=True, default="", db_index=True)
    data = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "v4_id"], name="v4_import_once"),
        ]
        indexes = [models.Index(fields=["kind", "target_id"], name="v4_import_target")]

    def __str__(self) -> str:
        return f"V4 {self.kind} {self.v4_id} → {self.target_id}"
