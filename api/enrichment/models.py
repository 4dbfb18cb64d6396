"""What owners add to a video besides its media, and what each viewer keeps for themself.

Esup-Pod V4 is the reference: ``Contributor`` (name, e-mail, role among V4's
``ROLE_CHOICES``, web link), the "completion" app's ``Document`` (a file attached to the
video) and hyperlinks (``EnrichmentLink``-like: a title and a URL), and its notes app
(``Note``: a user's private note at a time of the video). ``ResumePosition`` is where a
signed-in user stopped watching (PeerTube's "resume where you left off").

Documents are stored under the video's prefix (``videos/<id>/documents/``), so they are
served by the media view with the video's own access rules: plain URLs for a public
video, tokened ones otherwise (``api.playback.tokens``), deleted with the video's files.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

#: storage folder of the documents, under the video's prefix
DOCUMENTS_DIR = "documents/"


class ContributorRole(models.TextChoices):
    """Esup-Pod V4's ``ROLE_CHOICES``."""

    ACTOR = "actor", "Actor"
    AUTHOR = "author", "Author"
    DESIGNER = "designer", "Designer"
    CONSULTANT = "consultant", "Consultant"
    CONTRIBUTOR = "contributor", "Contributor"
    EDITOR = "editor", "Editor"
    SPEAKER = "speaker", "Speaker"
    SOUNDMAN = "soundman", "Sound engineer"
    DIRECTOR = "director", "Director"
    WRITER = "writer", "Writer"
    TECHNICIAN = "technician", "Technician"
    VOICE_OVER = "voice-over", "Voice-over"


class Contributor(models.Model):
    """Someone who took part in the video, in a role."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=16, choices=ContributorRole.choices)
    email = models.EmailField(max_length=254, blank=True, default="")
    weblink = models.URLField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["video", "id"], name="contributor_of_video")]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class DocumentKind(models.TextChoices):
    """What the content of a document was found to be (its first bytes, not its name)."""

    PDF = "pdf", "PDF"
    ODP = "odp", "OpenDocument presentation"
    ODT = "odt", "OpenDocument text"
    ODS = "ods", "OpenDocument spreadsheet"
    PPTX = "pptx", "PowerPoint presentation"
    DOCX = "docx", "Word document"
    XLSX = "xlsx", "Excel spreadsheet"
    PNG = "png", "PNG image"
    JPEG = "jpeg", "JPEG image"
    WEBP = "webp", "WebP image"


class Document(models.Model):
    """A file attached to a video (slides, a handout)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=DocumentKind.choices)
    #: storage name (``videos/<id>/documents/<random>.<extension of the kind>``)
    file_name = models.CharField(max_length=500)
    #: bytes
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.title


class Link(models.Model):
    """A hyperlink shown with a video: a title and an http(s) URL."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["video", "id"], name="link_of_video")]

    def __str__(self) -> str:
        return self.title


class Note(models.Model):
    """A user's private note at ``position`` seconds of a video: only its author sees it."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.FloatField()
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "id")
        indexes = [models.Index(fields=["video", "author", "position"], name="notes_of_author")]
        constraints = [
            models.CheckConstraint(condition=models.Q(position__gte=0), name="note_position_gte_0")
        ]

    def __str__(self) -> str:
        return f"note at {self.position:g} s on {self.video_id}"


class ResumePosition(models.Model):
    """Where a signed-in user stopped watching a video, seconds."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "user"], name="one_resume_position_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.position:g} s of {self.video_id}"
