"""The storage quota at upload time (``api.accounts.quotas``): a tus upload may not
take its video's **owner** (whoever uploads: the owner, an additional owner or staff)
past their quota.

- Known length (``Upload-Length``): checked at creation, before any byte is stored
  (413 ``quota_exceeded``); the length is then reserved until the upload completes or
  expires, so uploads in parallel cannot together pass the quota.
- Deferred length (``Upload-Defer-Length: 1``): checked before each PATCH writes, for
  the bytes the upload would hold after it (its offset + the PATCH's Content-Length),
  and again for the ``Upload-Length`` the client sends once it knows it.

The projected usage is the owner's stored bytes, minus the video's current source
(replaced by this upload), plus the bytes reserved by the owner's other unfinished,
unexpired uploads (their length, or their offset while it is deferred), plus this one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from api.accounts.models import User
from api.accounts.quotas import quota_check
from api.uploads.models import Upload
from api.videos.models import Video


def _reserved(*, owner_id: int, video: Video) -> int:
    """Bytes promised to the owner's other unfinished, unexpired uploads."""
    pending = Upload.objects.filter(
        video__owner_id=owner_id, completed_at__isnull=True, expires_at__gt=timezone.now()
    ).exclude(video_id=video.pk)
    return pending.aggregate(total=Sum(Coalesce("length", "offset")))["total"] or 0


@transaction.atomic
def upload_quota_check(*, video: Video, size: int) -> None:
    """Raise QuotaExceeded (413 ``quota_exceeded``) if the video's source being ``size``
    bytes would take its owner past their quota (see the module docstring). Locks the
    owner's row until the caller's transaction ends, so concurrent checks for one
    owner run one after the other."""
    owner = User.objects.select_for_update().get(pk=video.owner_id)
    current = Video.objects.filter(pk=video.pk).values_list("source_size", flat=True).first()
    quota_check(
        user=owner,
        adding=size,
        reserved=_reserved(owner_id=owner.pk, video=video),
        releasing=current or 0,
    )
