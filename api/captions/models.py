"""Caption and subtitle tracks (WebVTT files) and chapters of videos.

Esup-Pod V4's ``Track`` (kind subtitles/captions, lang, a WebVTT file) and
``Enrichment``/chapters (title, ``time_start``) are the reference. Tracks are stored in
Django's default storage under the video's prefix (``videos/<id>/captions/``), so they
are served like the video's other media (plain URLs for a public video, tokened ones
otherwise).
"""

from __future__ import annotations

import uuid

from django.db import models


class TrackKind(models.TextChoices):
    SUBTITLES = "subtitles", "Subtitles (translation of the dialogue)"
    CAPTIONS = "captions", "Captions (dialogue and sounds, for the deaf and hard of hearing)"


class Track(models.Model):
    """One WebVTT track of a video: at most one per language and kind."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="tracks")
    kind = models.CharField(max_length=16, choices=TrackKind.choices)
    #: BCP 47 language tag, e.g. ``fr``, ``en-GB``
    lang = models.CharField(max_length=35)
    label = models.CharField(max_length=100)
    #: storage name of the WebVTT file
    file_name = models.CharField(max_length=500)
    #: format of the uploaded file: ``vtt`` or ``srt`` (converted to WebVTT)
    source_format = models.CharField(max_length=8)
    #: bytes of the stored WebVTT file
    size = models.PositiveIntegerField()
    #: made by automatic transcription (``generator`` names the engine); an upload by a
    #: person makes it false, and a new transcription never replaces such a track
    generated = models.BooleanField(default=False)
    generator = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("lang", "kind")
        constraints = [
            models.UniqueConstraint(
                fields=["video", "lang", "kind"], name="one_track_per_lang_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.lang} of {self.video_id}"


class Chapter(models.Model):
    """A chapter: a title from ``start`` (seconds, float) to the next chapter's start."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField(max_length=250)
    #: seconds from the start of the video (float)
    start = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("start", "id")
        constraints = [
            models.UniqueConstraint(fields=["video", "start"], name="one_chapter_per_start"),
            models.CheckConstraint(condition=models.Q(start__gte=0), name="chapter_start_gte_0"),
        ]

    def __str__(self) -> str:
        return self.title
