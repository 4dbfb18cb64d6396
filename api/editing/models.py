"""Editing at encode time: a video's cut and the dressings its owners manage.

Esup-Pod V4's ``cut`` app (``CutVideo``: ``start``, ``end``) and ``dressing`` app
(``Dressing``: a watermark with position and opacity, opening and ending credits taken
from the platform's videos) are the reference; PeerTube's studio adds removed segments.
Nothing here touches the source: an encoding applies them on its way to the ladder
(``podv5_contract.edit.EditSpec``, built by ``api.editing.selectors.edit_spec_for``).

Dressing files (a watermark PNG, uploaded credits videos) live in storage under
``dressings/<id>/``, outside every video's prefix: they are never served as media.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class WatermarkPosition(models.TextChoices):
    TOP_LEFT = "top-left", "Top left"
    TOP_RIGHT = "top-right", "Top right"
    BOTTOM_LEFT = "bottom-left", "Bottom left"
    BOTTOM_RIGHT = "bottom-right", "Bottom right"


#: storage folder of the dressings' files
DRESSINGS_DIR = "dressings/"


class Dressing(models.Model):
    """A watermark and opening/closing credits, owned by a user, that videos refer to.

    Each credits slot holds either a video of the platform (its source is used) or an
    uploaded file (``*_name``, a storage name); setting one clears the other.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dressings"
    )
    title = models.CharField(max_length=200)
    #: storage name of the watermark PNG ("" without a watermark)
    watermark_name = models.CharField(max_length=500, blank=True, default="")
    watermark_position = models.CharField(
        max_length=16, choices=WatermarkPosition.choices, default=WatermarkPosition.TOP_RIGHT
    )
    #: 0.05-1
    watermark_opacity = models.FloatField(default=1.0)
    #: the watermark's width as a fraction of the frame's width, 0.02-1
    watermark_width = models.FloatField(default=0.15)
    opening_video = models.ForeignKey(
        "videos.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opening_name = models.CharField(max_length=500, blank=True, default="")
    closing_video = models.ForeignKey(
        "videos.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closing_name = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        return f"{DRESSINGS_DIR}{self.id}/"


class VideoEdit(models.Model):
    """A video's cut (``trim_*``, ``remove``: seconds of the source) and its dressing.

    ``source_name`` is the source the cut was made for: a new source makes the cut void
    (it is ignored, never applied to another file).
    """

    video = models.OneToOneField(
        "videos.Video", on_delete=models.CASCADE, primary_key=True, related_name="edit"
    )
    source_name = models.CharField(max_length=500, blank=True, default="")
    trim_start = models.FloatField(null=True, blank=True)
    trim_end = models.FloatField(null=True, blank=True)
    #: removed segments, ``[[start, end], ...]`` in seconds, in order
    remove = models.JSONField(default=list, blank=True)
    dressing = models.ForeignKey(
        Dressing, on_delete=models.SET_NULL, null=True, blank=True, related_name="video_edits"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"edit of {self.video_id}"

    @property
    def has_cut(self) -> bool:
        return self.trim_start is not None or self.trim_end is not None or bool(self.remove)
