from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class VideoStatus(models.TextChoices):
    DRAFT = "draft", "Draft (no source yet)"
    UPLOADING = "uploading", "Uploading"
    PROCESSING = "processing", "Processing (encoding)"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public (listed in the catalog)"
    UNLISTED = "unlisted", "Unlisted (anyone with the link)"
    PRIVATE = "private", "Private (owners and staff)"
    RESTRICTED = "restricted", "Restricted to members of its access groups"
    PASSWORD = "password", "Password-protected"


#: published public videos: listed in the catalog, media under plain (cacheable) URLs.
#: ``Video.is_public`` is the same rule for one loaded video.
PUBLIC_Q = Q(visibility=Visibility.PUBLIC, is_draft=False, status=VideoStatus.READY)

#: storage sub-folder of the source file (never served as media)
SOURCE_DIR = "source/"


class Video(models.Model):
    """A video: its metadata, its source file and, once encoded, its outputs.

    ``status`` follows the lifecycle draft → uploading → processing → ready | failed.
    Outputs are described by ``manifest`` (the worker's ``manifest.json``), whose paths
    are relative to ``output_prefix`` (a storage name ending with '/').

    Who sees it: ``visibility`` and ``is_draft`` (see ``api.videos.selectors``). Owners
    are ``owner`` and ``additional_owners``. ``password`` is a Django password hash
    (``visibility=password``); ``password_version`` changes with it, which revokes the
    grants given for the previous password.
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

    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    #: drafts are seen by their owners and staff only, whatever the visibility
    is_draft = models.BooleanField(default=True)
    password = models.CharField(max_length=128, blank=True, default="")
    password_version = models.PositiveIntegerField(default=0)
    # owners may close the comment thread (api.social); existing comments stay visible
    allow_comments = models.BooleanField(default=True)
    additional_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="co_owned_videos", blank=True
    )
    access_groups = models.ManyToManyField(
        "accounts.AccessGroup", related_name="videos", blank=True
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["-created_at", "-id"], condition=PUBLIC_Q, name="video_catalog"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        """Storage prefix under which everything of this video lives."""
        return f"videos/{self.id}/"

    @property
    def is_public(self) -> bool:
        """Published, public and ready (``PUBLIC_Q`` for one video)."""
        return (
            self.visibility == Visibility.PUBLIC
            and not self.is_draft
            and self.status == VideoStatus.READY
        )
