"""Writes of the retention app: a video's deletion date, its extension, and
:func:`retention_tick` (warnings, archive, deletion). Keyword-only; ``now`` is passed in
(tests move time by passing it; production passes nothing: ``timezone.now()``).

Idempotent and safe to run concurrently (several API processes' schedulers, cron):
every step claims its rows with a conditional ``UPDATE`` or ``SELECT ... FOR UPDATE
SKIP LOCKED`` on PostgreSQL, and re-checks the state it found, so a warning is queued
once, a digest sent once, a video archived or deleted once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from api.accounts.models import User
from api.core.errors import ValidationFailed
from api.pipeline.services import video_deleted
from api.retention import selectors
from api.retention.models import RetentionNotice, RetentionState, VideoRetention
from api.retention.notices import DigestItem, digest_body, digest_subject
from api.retention.policy import (
    default_extension,
    earliest_new_date,
    extend_max_date,
    initial_deletion_date,
    local_day,
)
from api.videos.models import Video
from api.videos.services import video_unpublish

logger = logging.getLogger(__name__)


def retention_init(
    *, video: Video, deletion_date: date | None = None, now: datetime | None = None
) -> VideoRetention:
    """The video's retention row, made when it has none: with ``deletion_date`` (an
    importer's, e.g. Esup-Pod V4's ``date_delete``), else the policy's date from its
    creation (``api.retention.policy.initial_deletion_date``). Never earlier than the
    first warning from today (``api.retention.policy.earliest_new_date``): a video that
    gets its row late (imported in bulk, made before this app) is warned before it goes."""
    existing = VideoRetention.objects.filter(video=video).first()
    if existing is not None:
        return existing
    if deletion_date is None:
        deletion_date = initial_deletion_date(
            created_at=video.created_at or timezone.now(), affiliation=video.owner.affiliation
        )
    deletion_date = max(deletion_date, earliest_new_date(today=local_day(now or timezone.now())))
    try:
        with transaction.atomic():
            return VideoRetention.objects.create(video=video, deletion_date=deletion_date)
    except IntegrityError:  # made meanwhile by another process
        return VideoRetention.objects.get(video=video)


def video_created(sender, instance: Video, created: bool, raw: bool = False, **kwargs) -> None:
    """``post_save`` receiver of ``Video``: a new video gets its deletion date."""
    if created and not raw:
        retention_init(video=instance)


@transaction.atomic
def retention_extend(
    *, video: Video, actor: User, deletion_date: date | None = None, now: datetime | None = None
) -> VideoRetention:
    """Move the video's deletion date (``None``: the policy's default extension, see
    ``api.retention.policy.default_extension``). Owners and additional owners: a date
    after today, at most ``RETENTION_EXTEND_MAX_YEARS`` years on — else ValidationFailed
    (422, ``validation_error`` / ``retention_limit_exceeded``, field ``deletion_date``).
    Staff: any date (one not after today archives the video at the next tick).

    A new date voids the warnings of the old one and arms them again; an archived video
    whose date is now in the future is active again (still a draft: its owners publish
    it again)."""
    today = local_day(now or timezone.now())
    retention_init(video=video)
    row = VideoRetention.objects.select_for_update().get(video=video)
    if deletion_date is None:
        deletion_date = default_extension(today=today, affiliation=video.owner.affiliation)
    if not actor.is_staff:
        if deletion_date <= today:
            raise ValidationFailed("The deletion date must be after today.", field="deletion_date")
        latest = extend_max_date(today=today)
        if deletion_date > latest:
            raise ValidationFailed(
                f"The deletion date may be at most {latest:%Y-%m-%d} "
                "(RETENTION_EXTEND_MAX_YEARS); ask the staff for a later one.",
                field="deletion_date",
                code="retention_limit_exceeded",
            )
    if deletion_date != row.deletion_date:
        row.deletion_date = deletion_date
        row.warned_days = None
        RetentionNotice.objects.filter(video=video, sent_at=None).delete()
    if row.state == RetentionState.ARCHIVED and deletion_date > today:
        row.state = RetentionState.ACTIVE
        row.archived_at = None
    row.save()
    logger.info("retention of %s set to %s by %s", video.pk, deletion_date, actor.username)
    return row


def _recipients(video: Video) -> list[User]:
    """The owner and additional owners of ``video`` who can get e-mail."""
    users = [video.owner, *video.additional_owners.all()]
    return [user for user in users if user.is_active and user.email]


def _queue_warning(row: VideoRetention, stage: int) -> bool:
    """Claim the warning ``stage`` of ``row`` (a conditional UPDATE: one process wins)
    and queue a notice per recipient. Returns whether this call claimed it."""
    with transaction.atomic():
        claimed = (
            VideoRetention.objects.filter(
                pk=row.pk, state=RetentionState.ACTIVE, deletion_date=row.deletion_date
            )
            .filter(Q(warned_days=None) | Q(warned_days__gt=stage))
            .update(warned_days=stage)
        )
        if not claimed:
            return False
        video = Video.objects.select_related("owner").get(pk=row.pk)
        RetentionNotice.objects.bulk_create(
            [
                RetentionNotice(
                    video=video,
                    recipient=user,
                    deletion_date=row.deletion_date,
                    days_before=stage,
                )
                for user in _recipients(video)
            ],
            ignore_conflicts=True,
        )
    return True


def _send_digest(recipient_id: int, *, now: datetime) -> bool:
    """Send one recipient their pending notices as one e-mail, and mark them sent, in
    one transaction (a failed send leaves them pending for the next tick). Notices of a
    date since changed are dropped. Returns whether a mail went out."""
    today = local_day(now)
    with transaction.atomic():
        notices = list(
            RetentionNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient_id=recipient_id, sent_at=None)
            .select_related("recipient", "video", "video__retention")
        )
        current, stale, items = [], [], {}
        for notice in notices:
            row = getattr(notice.video, "retention", None)
            if (
                row is None
                or row.state != RetentionState.ACTIVE
                or row.deletion_date != notice.deletion_date
            ):
                stale.append(notice.pk)
                continue
            current.append(notice.pk)
            items[notice.video_id] = DigestItem(
                video_id=str(notice.video_id),
                title=notice.video.title,
                deletion_date=row.deletion_date,
                purge_date=row.purge_date,
            )
        RetentionNotice.objects.filter(pk__in=stale).delete()
        if not items:
            return False
        recipient = notices[0].recipient
        listed = list(items.values())
        EmailMessage(
            subject=digest_subject(listed),
            body=digest_body(
                name=recipient.get_full_name() or recipient.username, items=listed, today=today
            ),
            to=[recipient.email],
        ).send()
        RetentionNotice.objects.filter(pk__in=current).update(sent_at=now)
    return True


def _archive(row: VideoRetention, *, now: datetime) -> bool:
    """Archive ``row``'s video (claimed by a conditional UPDATE), or unpublish an
    archived video published again. Returns whether this call archived it."""
    today = local_day(now)
    with transaction.atomic():
        claimed = VideoRetention.objects.filter(
            pk=row.pk, state=RetentionState.ACTIVE, deletion_date__lte=today
        ).update(state=RetentionState.ARCHIVED, archived_at=now)
        if claimed or row.state == RetentionState.ARCHIVED:
            video_unpublish(video=row.video)
    return bool(claimed)


def _purge(row: VideoRetention, *, now: datetime) -> bool:
    """Delete ``row``'s video with its files (``api.pipeline.services.video_deleted``:
    jobs cancelled, uploads dropped, files removed after commit), once its archive
    period is over. Returns whether this call deleted it."""
    with transaction.atomic():
        locked = (
            VideoRetention.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=row.pk, state=RetentionState.ARCHIVED)
            .select_related("video")
            .first()
        )
        # re-checked under the lock: an extension may have come meanwhile
        if locked is None or locked.purge_date > local_day(now):
            return False
        video_deleted(video=locked.video)
    return True


def _ids(rows: Iterable) -> list[str]:
    return [str(row.pk) for row in rows]


def retention_tick(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, list]:
    """One pass of the retention schedule at ``now`` (default: the current time):

    1. ``initialised``: videos without a retention row get one;
    2. ``warned``: videos that reached a warning threshold queue a notice per owner;
    3. ``mailed``: usernames that got their digest (one e-mail each);
    4. ``archived``: videos whose deletion date came are unpublished;
    5. ``deleted``: archived videos whose archive period is over are deleted.

    Returns those lists (video ids as strings, usernames). ``dry_run``: nothing is
    written or sent; the lists say what would be done (``mailed``: recipients of the
    notices pending or about to be queued)."""
    now = now or timezone.now()
    today = local_day(now)
    result: dict[str, list] = {
        "initialised": [],
        "warned": [],
        "mailed": [],
        "archived": [],
        "deleted": [],
    }
    missing = list(selectors.videos_without_retention())
    if dry_run:
        warnings = selectors.retention_due_warnings(today=today)
        recipients = set(selectors.notice_recipients_pending())
        for row, _stage in warnings:
            recipients.update(user.pk for user in _recipients(row.video))
        archive = selectors.retention_due_archive(today=today)
        result["initialised"] = _ids(missing)
        result["warned"] = [str(row.pk) for row, _ in warnings]
        result["mailed"] = sorted(
            User.objects.filter(pk__in=recipients).values_list("username", flat=True)
        )
        result["archived"] = [str(row.pk) for row in archive if row.state != "archived"]
        result["deleted"] = _ids(selectors.retention_due_purge(today=today))
        return result

    for video in missing:
        retention_init(video=video, now=now)
        result["initialised"].append(str(video.pk))
    for row, stage in selectors.retention_due_warnings(today=today):
        if _queue_warning(row, stage):
            result["warned"].append(str(row.pk))
    for recipient_id in selectors.notice_recipients_pending():
        try:
            if _send_digest(recipient_id, now=now):
                result["mailed"].append(User.objects.get(pk=recipient_id).username)
        except Exception:  # SMTP down, refused address: retried at the next tick
            logger.exception("retention: the digest of user %s could not be sent", recipient_id)
    for row in selectors.retention_due_archive(today=today):
        if _archive(row, now=now):
            result["archived"].append(str(row.pk))
    for row in selectors.retention_due_purge(today=today):
        if _purge(row, now=now):
            result["deleted"].append(str(row.pk))
    return result
