from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q

from api.core.text import slug_words


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


class Licence(models.TextChoices):
    """The Creative Commons 4.0 set (https://creativecommons.org/licenses/), CC0, and
    all rights reserved (the default, as in Esup-Pod)."""

    ALL_RIGHTS_RESERVED = "all-rights-reserved", "All rights reserved"
    CC_BY = "cc-by", "Attribution 4.0 International (CC BY 4.0)"
    CC_BY_SA = "cc-by-sa", "Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"
    CC_BY_ND = "cc-by-nd", "Attribution-NoDerivatives 4.0 International (CC BY-ND 4.0)"
    CC_BY_NC = "cc-by-nc", "Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)"
    CC_BY_NC_SA = (
        "cc-by-nc-sa",
        "Attribution-NonCommercial-ShareAlike 4.0 International (CC BY-NC-SA 4.0)",
    )
    CC_BY_NC_ND = (
        "cc-by-nc-nd",
        "Attribution-NonCommercial-NoDerivatives 4.0 International (CC BY-NC-ND 4.0)",
    )
    CC0 = "cc0", "Public domain dedication (CC0 1.0)"


#: published public videos: listed in the catalog, media under plain (cacheable) URLs.
#: ``Video.is_public`` is the same rule for one loaded video.
PUBLIC_Q = Q(visibility=Visibility.PUBLIC, is_draft=False, status=VideoStatus.READY)

#: PostgreSQL text search configuration: ``simple`` (no stemming, no stop words) suits
#: a catalog mixing languages
SEARCH_CONFIG = "simple"
#: the document full-text search (``?q=``) matches on PostgreSQL; the GIN index
#: ``video_search`` is built on this very expression, so the planner uses it
SEARCH_VECTOR = SearchVector("title", "description", "search_tags", config=SEARCH_CONFIG)

#: storage sub-folder of the source file (never served as media)
SOURCE_DIR = "source/"
#: storage sub-folder of uploaded thumbnails (served like the outputs)
THUMBNAILS_DIR = "thumbnails/"


#: the statuses in which a video's source may still be uploaded (again)
UPLOADABLE = (VideoStatus.DRAFT, VideoStatus.UPLOADING, VideoStatus.FAILED)

#: longest slug (V4's ``SlugField(max_length=255)``: imported slugs fit as they are)
SLUG_MAX_LENGTH = 255
#: characters of the slugified title kept in a new video's slug
SLUG_TITLE_LENGTH = 50
#: the title part when nothing of the title survives slugification (punctuation only)
SLUG_FALLBACK = "video"


def video_slug(title: str, video_id: uuid.UUID, *, suffix_length: int = 8) -> str:
    """A new video's slug: ``<slugified title, at most 50 characters>-<first
    suffix_length hex digits of its id>``, e.g. ``intro-to-ml-1f0c9a2e``.

    :func:`api.core.text.slug_words`: transliterated to ASCII, then Django's ``slugify``
    (as Esup-Pod V4's slugs): ``Leçon`` → ``lecon``, ``Лекция`` → ``lektsiya``; a title
    with no letter or digit in any script gives ``video``. The id's hex
    digits make same-titled videos' slugs differ; the title part is cut at a word
    boundary (``-``) when one falls in the last 20 characters."""
    words = slug_words(title)
    if len(words) > SLUG_TITLE_LENGTH:
        cut = words[:SLUG_TITLE_LENGTH]
        boundary = cut.rfind("-")
        words = cut[:boundary] if boundary >= SLUG_TITLE_LENGTH - 20 else cut
    words = words.strip("-_") or SLUG_FALLBACK
    return f"{words}-{video_id.hex[:suffix_length]}"


class VideoSlugField(models.CharField):
    """``Video.slug``: filled in once, when the row is inserted (``save``, ``create``
    and ``bulk_create`` alike, as ``auto_now_add`` is) with :func:`video_slug`, unless
    a value was set (the V4 import sets V4's); never changed afterwards by the model.
    When that slug is taken (same title and same first 8 hex digits: about one chance
    in 2**32 per pair), the whole id's 32 hex digits are used. Migrations see a plain
    ``CharField`` (``deconstruct``)."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if add and not value:
            value = video_slug(model_instance.title, model_instance.id)
            taken = type(model_instance)._default_manager.filter(**{self.attname: value})
            if taken.exists():
                value = video_slug(model_instance.title, model_instance.id, suffix_length=32)
            setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


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
    #: stable, unique and URL-safe (ASCII letters, digits, - and _): set at creation
    #: (``VideoSlugField``), never changed by a title edit, so links made with it never
    #: break; V4-imported videos keep V4's (``0042-my-lecture``). Looked up by
    #: ``GET /api/v1/videos/by-slug/{slug}``
    slug = VideoSlugField(max_length=SLUG_MAX_LENGTH, unique=True, editable=False)
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
    #: bytes of the current outputs under ``output_prefix`` (the manifest's
    #: ``total_size_bytes``), null before the first encoding; with ``source_size``, what
    #: the video weighs against its owner's quota (``selectors.stored_bytes_of_owners``)
    output_size = models.BigIntegerField(null=True, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    #: storage name of an uploaded poster (``thumbnails/``), used instead of the encoded one
    thumbnail_name = models.CharField(max_length=500, blank=True, default="")

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

    # editorial (api.editorial)
    licence = models.CharField(
        max_length=32, choices=Licence.choices, default=Licence.ALL_RIGHTS_RESERVED
    )
    type = models.ForeignKey(
        "editorial.VideoType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="videos",
    )
    channels = models.ManyToManyField("editorial.Channel", related_name="videos", blank=True)
    themes = models.ManyToManyField("editorial.Theme", related_name="videos", blank=True)
    disciplines = models.ManyToManyField("editorial.Discipline", related_name="videos", blank=True)
    tags = models.ManyToManyField("editorial.Tag", related_name="videos", blank=True)
    #: the tags' slugs, space-separated, kept in step by the services: searched with the
    #: title and description (``SEARCH_VECTOR``)
    search_tags = models.TextField(blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["-created_at", "-id"], condition=PUBLIC_Q, name="video_catalog"),
            # every list's default order and keyset pages (api.core.pagination)
            models.Index(fields=["-created_at", "-id"], name="video_created"),
            # full-text search; created on PostgreSQL only (migration 0004)
            GinIndex(SEARCH_VECTOR, name="video_search"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        """Storage prefix under which everything of this video lives."""
        return f"videos/{self.id}/"

    @property
    def poster_name(self) -> str | None:
        """Storage name of the poster: the uploaded thumbnail, else the encoded one."""
        if self.thumbnail_name:
            return self.thumbnail_name
        poster = (self.manifest or {}).get("poster")
        return self.output_prefix + poster if poster else None

    @property
    def is_public(self) -> bool:
        """Published, public and ready (``PUBLIC_Q`` for one video)."""
        return (
            self.visibility == Visibility.PUBLIC
            and not self.is_draft
            and self.status == VideoStatus.READY
        )
