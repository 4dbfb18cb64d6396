"""The warning digest e-mailed to one owner: every video of theirs that reached a
warning threshold, with its deletion date, and how to keep it (plain text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.urls import reverse

#: URL name of ``POST /api/v1/videos/{id}/retention/extend`` (``api.retention.api``)
EXTEND_URL_NAME = "v1:retention_extend"


@dataclass(frozen=True)
class DigestItem:
    video_id: str
    title: str
    deletion_date: date
    purge_date: date


def extend_url(video_id: str) -> str:
    """The absolute URL of the video's extend endpoint (``PUBLIC_BASE_URL``, else
    ``API_BASE_URL``)."""
    base = settings.PUBLIC_BASE_URL or settings.API_BASE_URL
    return base + reverse(EXTEND_URL_NAME, kwargs={"video_id": video_id})


def video_page_url(video_id: str) -> str | None:
    """The front end's page of the video (``VIDEO_PAGE_URL``), if configured."""
    template = settings.VIDEO_PAGE_URL
    return template.replace("{id}", video_id) if template else None


def digest_subject(items: list[DigestItem]) -> str:
    soonest = min(item.deletion_date for item in items)
    what = "1 of your videos" if len(items) == 1 else f"{len(items)} of your videos"
    return f"[{settings.DUBLIN_CORE_PUBLISHER}] {what} will be unpublished from {soonest:%Y-%m-%d}"


def digest_body(*, name: str, items: list[DigestItem], today: date) -> str:
    """The digest's text: one paragraph per video, soonest first."""
    lines = [
        f"Hello {name},",
        "",
        "The following videos reach the end of their retention period. On their deletion "
        "date they are archived (unpublished: only you can see them), and "
        f"{settings.RETENTION_ARCHIVE_DAYS} days later they are deleted with their files.",
        "",
    ]
    for item in sorted(items, key=lambda i: (i.deletion_date, i.title)):
        days = (item.deletion_date - today).days
        lines += [
            f"* {item.title}",
            f"  deletion date: {item.deletion_date:%Y-%m-%d} (in {days} days); "
            f"deleted for good on {item.purge_date:%Y-%m-%d}",
        ]
        page = video_page_url(item.video_id)
        if page:
            lines.append(f"  keep it longer: {page}")
        lines.append(f"  extend through the API: POST {extend_url(item.video_id)}")
        lines.append("")
    lines += [
        "To keep a video longer, extend it (see the links above): with the API, send an "
        'authenticated POST with an optional JSON body {"deletion_date": "YYYY-MM-DD"}, '
        f"at most {settings.RETENTION_EXTEND_MAX_YEARS} years from today.",
        "",
        "-- ",
        settings.DUBLIN_CORE_PUBLISHER,
    ]
    return "\n".join(lines)
