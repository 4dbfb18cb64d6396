from __future__ import annotations

import uuid

from django.db import models


class VideoImport(models.Model):
    """How a video's source was imported from a URL: what was asked (``url``, ``kind``,
    the metadata fields the requester set, kept as they are), the encoding job that
    downloads it (``job_id``), then, from the job's final event, the file fetched
    (``media_url``, ``size``) and the metadata the source gave (``metadata``:
    ``podv5_contract.imports.ImportedMetadata``, language included)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.OneToOneField(
        "videos.Video", on_delete=models.CASCADE, related_name="url_import"
    )
    job_id = models.UUIDField(db_index=True)
    url = models.CharField(max_length=2048)
    kind = models.CharField(max_length=16)
    #: the metadata fields given with the request (title, description...): not replaced
    kept_fields = models.JSONField(default=list)
    media_url = models.CharField(max_length=2048, blank=True, default="")
    size = models.BigIntegerField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"import of {self.url} ({self.kind})"
