from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class VideoStatus(models.TextChoices):
    DRAFT = "draft", "Draft (no source yet)"
    UPLOADING = "uploading", "Uploading"
    PROCESSING = "processing", "Processing (encoding)"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Video(models.Model):
    """A video: its metadata, its source file and, once encoded, its outputs.

    ``status`` follows the lifecycle draft → uploading → processing → ready | failed.
    Outputs are described by ``manifest`` (the worker's ``manifest.json``), whose paths
    are relative to ``output_prefix`` (a storage name ending with '/').
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos"
    )
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=VideoStatus.choices, default=VideoStatus.DRAFT, db_index=True
    )
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    #: seconds (float), from the encoding manifest
    duration = models.FloatField(null=True, blank=True)

    #: storage name of the source file
    source_name = models.CharField(max_length=500, blank=True, default="")
    #: the file name the client gave (Upload-Metadata ``filename``)
    source_filename = models.CharField(max_length=255, blank=True, default="")
    #: bytes
    source_size = models.BigIntegerField(null=True, blank=True)

    output_prefix = models.CharField(max_length=500, blank=True, default="")
    manifest = models.JSONField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        """Storage prefix under which everything of this video lives."""
        return f"videos/{self.id}/"
