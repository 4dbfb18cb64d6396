"""Reads for V4's old links: which of our videos a V4 URL names.

Only videos the import brought are found (``V4Import``). An ``unlisted`` video is never
found: its secret is its URL, and V4's links carry a guessable integer id, so a redirect
would hand its URL to anyone counting. Any other video is found whatever its visibility:
the redirect's target checks access itself, as V4's page did (V4 answered a private
video's URL too, with a refusal), so nothing is seen that V4 did not show.
"""

from __future__ import annotations

from api.migration_v4 import rules
from api.migration_v4.models import Kind, V4Import
from api.videos.models import Video, Visibility


def _video(row: V4Import | None) -> Video | None:
    if row is None:
        return None
    return Video.objects.filter(pk=row.target_id).exclude(visibility=Visibility.UNLISTED).first()


def legacy_video(*, slug: str) -> tuple[Video, V4Import] | None:
    """The video of a V4 URL segment (``0042-my-lecture``, ``0042``, ``42``: read by its
    id prefix, as V4 does; else the exact slug: an imported video's ``slug``, which is
    V4's, or the V4 slug its import record keeps) and its import record, or None."""
    rows = V4Import.objects.filter(kind=Kind.VIDEO)
    v4_id = rules.legacy_id(slug)
    row = rows.filter(v4_id=v4_id).first() if v4_id is not None else None
    if row is None:
        by_slug = Video.objects.filter(slug=slug[:255]).values_list("pk", flat=True).first()
        if by_slug is not None:
            row = rows.filter(target_id=str(by_slug)).first()
        row = row or rows.filter(slug=slug[:255]).first()
    video = _video(row)
    return (video, row) if video else None


def legacy_download(*, filename: str) -> tuple[Video, V4Import] | None:
    """The video of a file name posted to V4's ``/download/`` (an encoding under
    ``videos/<owner hash>/<%04d id>/``, or the video's source file), or None."""
    rows = V4Import.objects.filter(kind=Kind.VIDEO)
    v4_id = rules.download_id(filename)
    if v4_id is not None:
        row = rows.filter(v4_id=v4_id).first()
    else:
        row = rows.filter(data__source=filename.strip().lstrip("/")[:1000]).first()
    video = _video(row)
    return (video, row) if video else None
