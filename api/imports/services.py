"""Imports from a URL: the request's quick checks, the worker's instructions
(``ImportSpec``) and the import's record. The workflow (video, job, record; then the
imported source and metadata from the job's final event) is
``api.pipeline.services.video_import`` / ``url_source_stored``.

The API never fetches the URL (no DNS either): it refuses what can be told from the URL
itself (``podv5_contract.net``: scheme, credentials, IP literals and ``localhost``
names outside ``IMPORT_ALLOWED_NETWORKS``), and the worker checks every address it
connects to, authoritatively.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.accounts.models import User
from api.accounts.quotas import quota_limit_bytes, quota_used_bytes
from api.core.errors import QuotaExceeded, ValidationFailed
from api.imports.models import VideoImport
from api.videos.models import Licence, Video
from podv5_contract import net
from podv5_contract.imports import (
    ImportedMetadata,
    ImportedSource,
    ImportSpec,
    bbb_record_id,
    detect_kind,
    peertube_video_id,
)

#: the video fields an import's metadata may fill (those the requester left out)
METADATA_FIELDS = ("title", "description", "licence", "tags")


def import_url_check(*, url: str, kind: str = "auto") -> tuple[net.Target, str]:
    """The parsed URL and the kind of source (``auto``: from the URL's form, see
    ``podv5_contract.imports``). Raises ValidationFailed (422, field ``url``):
    ``import_invalid_url``, ``import_forbidden_address`` or ``import_unsupported_source``
    (``peertube``/``bbb`` for a URL of another form)."""
    try:
        target = net.parse_url(url)
        net.AddressPolicy.of(settings.IMPORT_ALLOWED_NETWORKS).check_static(target)
    except net.UrlRefused as exc:
        code = "import_forbidden_address" if exc.code == net.FORBIDDEN_ADDRESS else None
        raise ValidationFailed(str(exc), field="url", code=code or "import_invalid_url") from None
    if kind == "auto":
        return target, detect_kind(target)
    if kind == "peertube" and peertube_video_id(target) is None:
        raise ValidationFailed(
            "Not a PeerTube video URL (/w/<id>, /videos/watch/<id>...).",
            field="url",
            code="import_unsupported_source",
        )
    if kind == "bbb" and bbb_record_id(target) is None:
        raise ValidationFailed(
            "Not a BigBlueButton recording URL (/playback/presentation/2.3/<recordId>...).",
            field="url",
            code="import_unsupported_source",
        )
    return target, kind


def import_quota_left(*, owner: User) -> int | None:
    """Bytes the owner's quota still allows (None: unlimited); QuotaExceeded (413
    ``quota_exceeded``) when nothing is left. The worker refuses a source past it (its
    Content-Length first, then the bytes as they arrive: reason ``quota_exceeded``).
    Bytes reserved by the owner's uploads in progress are not counted."""
    limit = quota_limit_bytes(owner)
    if limit is None:
        return None
    left = limit - quota_used_bytes(owner)
    if left <= 0:
        raise QuotaExceeded(f"The storage quota of {owner.username!r} is used up.")
    return left


def import_spec(*, url: str, kind: str, quota_bytes: int | None) -> ImportSpec:
    """The worker's instructions, with the limits of the settings."""
    return ImportSpec(
        url=url,
        kind=kind,
        max_bytes=settings.IMPORT_MAX_SIZE,
        quota_bytes=quota_bytes,
        timeout_seconds=settings.IMPORT_TIMEOUT_SECONDS,
        max_redirects=settings.IMPORT_MAX_REDIRECTS,
        allowed_networks=list(settings.IMPORT_ALLOWED_NETWORKS),
    )


def import_default_title(*, target: net.Target, kind: str) -> str:
    """A title until the source's own arrives: the file name, else the host."""
    if kind == "peertube":
        return f"PeerTube video from {target.host}"[:250]
    if kind == "bbb":
        return f"BigBlueButton recording from {target.host}"[:250]
    name = unquote(target.url.path.rstrip("/").rsplit("/", 1)[-1]).strip()
    return (name or target.host)[:250]


@transaction.atomic
def video_import_create(
    *, video: Video, job_id, url: str, kind: str, kept_fields: list[str]
) -> VideoImport:
    """The record of the import of ``video``'s source by the job ``job_id``."""
    return VideoImport.objects.create(
        video=video, job_id=job_id, url=url, kind=kind, kept_fields=kept_fields
    )


@transaction.atomic
def video_import_finish(*, video: Video, imported: ImportedSource) -> dict:
    """Record what the worker fetched; returns the video fields the source's metadata
    fills (those the requester did not set; licence only one of ours, tags only a
    non-empty list): ``{}`` when there is no record."""
    record = VideoImport.objects.select_for_update().filter(video=video).first()
    if record is None:
        return {}
    record.media_url = imported.media_url
    record.size = imported.size
    record.metadata = imported.metadata.model_dump(mode="json")
    record.completed_at = timezone.now()
    record.save(update_fields=["media_url", "size", "metadata", "completed_at"])
    return metadata_changes(imported.metadata, kept=set(record.kept_fields))


def metadata_changes(metadata: ImportedMetadata, *, kept: set[str]) -> dict:
    """The fields of ``metadata`` to set on the video (see :func:`video_import_finish`)."""
    changes = {}
    if metadata.title and metadata.title.strip():
        changes["title"] = metadata.title.strip()[:250]
    if metadata.description:
        changes["description"] = metadata.description
    if metadata.licence in Licence.values:
        changes["licence"] = Licence(metadata.licence)
    if metadata.tags:
        changes["tags"] = metadata.tags
    return {name: value for name, value in changes.items() if name not in kept}
