from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models


class Upload(models.Model):
    """A tus 1.0.0 upload of a video's source.

    Bytes are spooled to ``UPLOAD_SPOOL_DIR/<id>.part``; ``offset`` is the count of bytes
    safely stored (it survives a server restart: bytes past it are discarded). One
    writer at a time holds the lock (``lock_token`` until ``locked_until``, renewed while
    it streams), so concurrent PATCHes never interleave, even across processes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="uploads")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    #: Upload-Length, bytes; null while deferred (tus creation-defer-length: the client
    #: sends it with a later PATCH)
    length = models.BigIntegerField(null=True, blank=True)
    #: bytes stored so far
    offset = models.BigIntegerField(default=0)
    #: the raw Upload-Metadata header, echoed on HEAD (tus §creation)
    metadata_header = models.TextField(blank=True, default="")
    filename = models.CharField(max_length=255, blank=True, default="")
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    lock_token = models.CharField(max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Upload {self.id} ({self.offset}/{'?' if self.length is None else self.length})"

    @property
    def spool_path(self) -> Path:
        return Path(settings.UPLOAD_SPOOL_DIR) / f"{self.id}.part"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None
