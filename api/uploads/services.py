"""tus uploads: create, write (streaming, locked), the steps of finishing (probe, store,
attach: ``api.pipeline.services.source_received`` runs them, then starts the encoding),
terminate, expire. Protocol details (headers, status codes) live in ``views``."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from api.core import metrics
from api.core.errors import (
    Gone,
    InvalidState,
    PayloadTooLarge,
    PodError,
    UnsupportedMedia,
    ValidationFailed,
)
from api.events.payloads import publish_upload
from api.uploads.models import Upload
from api.uploads.probe import check_media
from api.uploads.quotas import upload_quota_check
from api.videos.models import Video
from api.videos.services import (
    video_attach_source,
    video_fail,
    video_start_upload,
    video_store_source,
)

logger = logging.getLogger(__name__)

#: bytes read from the body and written to the spool file at a time
CHUNK_SIZE = 4 * 1024 * 1024
#: persist the offset (after fdatasync with ``UPLOAD_FSYNC=always``; it also renews the
#: lease) at least this often while streaming. The write lease lasts
#: ``settings.UPLOAD_LOCK_SECONDS`` (a crashed writer frees it then).
SYNC_EVERY_BYTES = 16 * 1024 * 1024
SYNC_EVERY_SECONDS = 5.0


class UploadLocked(PodError):
    """Another request is writing this upload (tus: 423 Locked, as tusd answers)."""

    status, code, default_message = 423, "upload_locked", "Another request is writing this upload."


class OffsetMismatch(PodError):
    status, code = 409, "offset_mismatch"
    default_message = "Upload-Offset does not match the stored offset."


class ChecksumMismatch(PodError):
    """tus §checksum: the body does not match Upload-Checksum (HTTP 460)."""

    status, code, default_message = 460, "checksum_mismatch", "Checksum mismatch."


def _expiry():
    return timezone.now() + timedelta(seconds=settings.UPLOAD_EXPIRATION_SECONDS)


def _check_max_size(length: int, *, what: str = "Upload-Length") -> None:
    if length > settings.UPLOAD_MAX_SIZE:
        raise PayloadTooLarge(
            f"{what} {length} exceeds the maximum of {settings.UPLOAD_MAX_SIZE} bytes.",
            code="upload_too_large",
        )


@transaction.atomic
def upload_create(
    *, owner, video: Video, length: int | None, filename: str, metadata_header: str
) -> Upload:
    """Start an upload of ``video``'s source, ``length`` bytes (``None``: deferred, tus
    creation-defer-length). Raises PayloadTooLarge (413) past ``UPLOAD_MAX_SIZE``,
    InvalidState (409) when the video no longer takes a source, QuotaExceeded (413
    ``quota_exceeded``) when ``length`` would take the video's owner past their quota
    (``api.uploads.quotas``), UploadLocked (423) when another upload of the video is
    being written. Unfinished earlier uploads of the video are superseded (deleted)."""
    if length is not None:
        _check_max_size(length)
    video_start_upload(video=video)
    upload_quota_check(video=video, size=length or 0)
    now = timezone.now()
    previous = Upload.objects.select_for_update().filter(video=video, completed_at__isnull=True)
    for old in previous:
        if old.locked_until and old.locked_until > now:
            raise UploadLocked("Another upload of this video is being written.")
        _delete(old)
    Path(settings.UPLOAD_SPOOL_DIR).mkdir(parents=True, exist_ok=True)
    upload = Upload.objects.create(
        video=video,
        owner=owner,
        length=length,
        filename=filename[:255],
        metadata_header=metadata_header,
        expires_at=_expiry(),
    )
    upload.spool_path.touch()
    publish_upload(upload)
    return upload


def _delete(upload: Upload) -> None:
    upload.spool_path.unlink(missing_ok=True)
    upload.delete()


@transaction.atomic
def upload_set_length(*, upload: Upload, length: int) -> Upload:
    """tus creation-defer-length: the client tells a deferred upload's length (with a
    PATCH). Raises ValidationFailed (400) below the bytes already received or for a
    length other than one already set, PayloadTooLarge (413) past ``UPLOAD_MAX_SIZE``,
    QuotaExceeded (413 ``quota_exceeded``)."""
    upload = Upload.objects.select_for_update().select_related("video").get(pk=upload.pk)
    if upload.length is not None:
        if upload.length != length:
            raise ValidationFailed(
                f"Upload-Length is already {upload.length}: it cannot change.",
                field="Upload-Length",
            )
        return upload
    if length < upload.offset:
        raise ValidationFailed(
            f"Upload-Length {length} is below the {upload.offset} bytes received.",
            field="Upload-Length",
        )
    _check_max_size(length)
    upload_quota_check(video=upload.video, size=length)
    upload.length = length
    upload.save(update_fields=["length", "updated_at"])
    return upload


def upload_check_alive(upload: Upload) -> None:
    """Raises Gone (410) for an expired unfinished upload, deleting its bytes."""
    if not upload.is_complete and upload.expires_at <= timezone.now():
        _delete(upload)
        raise Gone("This upload has expired.", code="upload_expired")


class _Lease:
    """A writer's lease on an upload row: ``lock_token`` (ours) until ``locked_until``.

    Every renewal is a compare-and-set on the token, so a writer that stalled past its
    lease and was replaced learns it at its next renewal, before it writes another byte:
    :meth:`keep` (before each write) renews once half the lease has gone by, so between
    two renewals nobody else can take the upload. Raises UploadLocked (423) once lost.
    """

    def __init__(self, upload: Upload, token: str) -> None:
        self.upload_id, self.token = upload.id, token
        self.seconds = float(settings.UPLOAD_LOCK_SECONDS)
        self.renew_at = time.monotonic() + self.seconds / 2

    def keep(self) -> None:
        if time.monotonic() >= self.renew_at:
            self.renew()

    def renew(self, *, release: bool = False, **fields) -> None:
        """Compare-and-set: extend the lease (or, with ``release``, give it up) and store
        ``fields``, in one UPDATE; UploadLocked when another writer holds the upload."""
        started = time.monotonic()
        if release:
            fields.update(lock_token="", locked_until=None)
        else:
            fields["locked_until"] = timezone.now() + timedelta(seconds=self.seconds)
        got = _update_upload(self.upload_id, fields, token=self.token)
        if not got:
            raise UploadLocked(
                "This request lost the upload to another one after stalling past its "
                "lease; nothing it sent since was stored."
            )
        self.renew_at = started + self.seconds / 2


def _update_upload(
    upload_id, fields: dict, *, token: str | None = None, free_at=None, offset=None
) -> int:
    """``Upload.objects.filter(...).update(**fields)`` as one UPDATE written out (at every
    PATCH the ORM's query building cost about as much as the query itself): sets
    ``fields`` on the row ``upload_id`` only where its lease is ``token`` (if given), its
    lease is free or lapsed at ``free_at`` (if given), and its stored offset is ``offset``
    and it is unfinished (if ``offset`` is given). Returns the rows changed (0 or 1)."""
    connection = connections[router.db_for_write(Upload)]
    quote, meta = connection.ops.quote_name, Upload._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    assignments, params = [], []
    for name, value in fields.items():
        assignments.append(f"{column(name)} = %s")
        params.append(meta.get_field(name).get_db_prep_save(value, connection))
    where = [f"{column('id')} = %s"]
    params.append(meta.pk.get_db_prep_value(upload_id, connection))
    if token is not None:
        where.append(f"{column('lock_token')} = %s")
        params.append(token)
    if free_at is not None:
        until = column("locked_until")
        where.append(f"({until} IS NULL OR {until} < %s)")
        params.append(meta.get_field("locked_until").get_db_prep_value(free_at, connection))
    if offset is not None:
        where.append(f"{column('offset')} = %s AND {column('completed_at')} IS NULL")
        params.append(offset)
    sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {' AND '.join(where)}"
    with (
        transaction.mark_for_rollback_on_error(using=connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        return cursor.rowcount


def _acquire(upload: Upload, *, offset: int | None = None) -> str:
    """Take the upload's lease (compare-and-set: free or lapsed), only while its stored
    offset is ``offset`` and it is unfinished when ``offset`` is given; UploadLocked
    otherwise."""
    token = secrets.token_hex(16)
    now = timezone.now()
    until = now + timedelta(seconds=float(settings.UPLOAD_LOCK_SECONDS))
    got = _update_upload(
        upload.id, {"lock_token": token, "locked_until": until}, free_at=now, offset=offset
    )
    if not got:
        raise UploadLocked()
    return token


def _release(upload: Upload, token: str) -> None:
    _update_upload(upload.id, {"lock_token": "", "locked_until": None}, token=token)


def upload_write(
    *,
    upload: Upload,
    offset: int,
    read: Callable[[int], bytes],
    content_length: int,
    checksum: tuple[str, bytes] | None = None,
    write_to: Callable | None = None,
) -> Upload:
    """Write a request body at ``offset`` of the spool file, streaming it in
    :data:`CHUNK_SIZE` pieces (never the whole body in memory).

    ``read(n)`` reads at most n bytes of the body, as bytes or a list of bytes (``b""``
    or ``[]`` at its end, OSError when the client is gone); ``content_length`` is the
    body size in bytes; ``checksum`` is (algorithm, digest) from Upload-Checksum. Raises
    OffsetMismatch (409), UploadLocked (423: another writer holds the upload, or took it
    over while this one stalled past ``UPLOAD_LOCK_SECONDS`` — then nothing more of this
    body is written), PayloadTooLarge (413) when the body goes past Upload-Length,
    ChecksumMismatch (460; the body is discarded). ``write_to`` (optional, ASGI: see
    :meth:`api.asgi.StreamingBody.write_to`) writes the body to the file itself, as it
    arrives; ``read`` is then unused. A body cut short keeps the bytes
    received (none when a checksum was given). Once ``offset == length`` the caller hands
    the upload to ``api.pipeline.services.source_received``.
    """
    upload_check_alive(upload)
    if upload.is_complete:
        raise InvalidState("This upload is complete.", code="upload_complete")
    try:  # usually the stored offset is the client's: then the lease is one UPDATE
        token, current = _acquire(upload, offset=offset), True
    except UploadLocked:  # held, or another offset: which one, and the row as it is now
        token, current = _acquire(upload), False
    lease, released = _Lease(upload, token), False
    try:
        if current:
            upload.offset = offset  # what the compare-and-set found stored
        else:
            upload.refresh_from_db()
        if offset != upload.offset:
            raise OffsetMismatch(
                f"Upload-Offset is {offset}; the stored offset is {upload.offset}."
            )
        if upload.length is None:  # deferred: the most it may hold after this body
            _check_max_size(offset + content_length, what="The upload's size")
            upload_quota_check(video=upload.video, size=offset + content_length)
        elif offset + content_length > upload.length:
            raise PayloadTooLarge(
                "The body goes past Upload-Length.", code="upload_length_exceeded"
            )
        _check_spool(upload, lease)
        hasher = hashlib.new(checksum[0]) if checksum else None
        written = _stream(upload, lease, offset, read, content_length, hasher, write_to)
        metrics.TUS_RECEIVED_BYTES.inc(written)
        if hasher is not None and (written != content_length or hasher.digest() != checksum[1]):
            lease.keep()
            _truncate(upload.spool_path, offset)
            if written != content_length:
                raise PodError("The body was cut short.", code="incomplete_body")
            raise ChecksumMismatch(
                f"The body's {checksum[0]} does not match Upload-Checksum; it was discarded."
            )
        expires_at = _expiry()
        lease.renew(offset=offset + written, expires_at=expires_at, release=True)
        released = True
        # the row as that UPDATE left it (no need to read it again)
        upload.offset, upload.expires_at = offset + written, expires_at
        upload.lock_token, upload.locked_until = "", None
        if written != content_length:
            raise PodError(
                "The body was cut short; the bytes received are kept.", code="incomplete_body"
            )
    finally:
        if not released:
            _release(upload, token)
    return upload


def _check_spool(upload: Upload, lease: _Lease) -> None:
    """Unless every stored offset follows an fdatasync (``UPLOAD_FSYNC=always``), a power
    loss may leave the spool file shorter than the stored offset: the offset becomes the
    file's size and the client gets 409 (it asks HEAD and resumes from there)."""
    size = os.stat(upload.spool_path).st_size
    if size < upload.offset:
        lease.keep()
        lease.renew(offset=size)
        logger.warning("upload %s: spool file shorter than its offset; now %d", upload.id, size)
        raise OffsetMismatch(
            f"Only {size} bytes of this upload were on disk; resume from Upload-Offset {size}."
        )


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(size)


def _pwrite_all(fd: int, parts: list[bytes], position: int) -> int:
    """Write ``parts`` one after the other at ``position`` (``pwritev``: no join);
    returns the byte count."""
    size = sum(map(len, parts))
    if len(parts) > 512:  # pwritev takes at most IOV_MAX (1024 on Linux) buffers
        parts = [b"".join(parts)]
    done = os.pwritev(fd, parts, position) if parts else 0
    if done < size:  # a short write (rare on regular files): the rest, piece by piece
        rest = memoryview(b"".join(parts))[done:]
        while rest:
            step = os.pwrite(fd, rest, position + done)
            rest, done = rest[step:], done + step
    return size


def _stream(
    upload: Upload, lease: _Lease, offset: int, read, content_length: int, hasher, write_to
) -> int:
    """Copy the body to the spool file at explicit offsets (``os.pwrite``), checking the
    lease before each write; the offset is stored every :data:`SYNC_EVERY_BYTES` or
    :data:`SYNC_EVERY_SECONDS`, after ``fdatasync`` with ``UPLOAD_FSYNC=always`` (the
    final offset too). Returns the bytes written."""
    written, synced_bytes, synced_at = 0, 0, time.monotonic()
    fsync = settings.UPLOAD_FSYNC == "always"
    fd = os.open(upload.spool_path, os.O_WRONLY)
    try:
        os.ftruncate(fd, offset)  # drop bytes past the stored offset (a crashed writer's)
        while written < content_length:
            if write_to is not None:
                lease.keep()  # UploadLocked once another writer took over: nothing written
                # written as it arrives, up to the next progress commit (none with a
                # checksum), and no later than the lease's next renewal: one hand-off
                # for an 8 MiB PATCH
                limit, deadline = content_length - written, lease.renew_at
                if hasher is None:
                    limit = min(limit, SYNC_EVERY_BYTES - (written - synced_bytes))
                    deadline = min(deadline, synced_at + SYNC_EVERY_SECONDS)
                size, ended = write_to(fd, offset + written, limit, deadline, hasher)
                written += size
                if ended and written < content_length:
                    logger.info("upload %s: body cut short after %d bytes", upload.id, written)
                    break
                if hasher is None and (
                    written - synced_bytes >= SYNC_EVERY_BYTES
                    or time.monotonic() - synced_at >= SYNC_EVERY_SECONDS
                ):
                    if fsync:
                        os.fdatasync(fd)
                    lease.renew(offset=offset + written, expires_at=_expiry())
                    synced_bytes, synced_at = written, time.monotonic()
                continue
            try:
                chunk = read(min(CHUNK_SIZE, content_length - written))
            except OSError:  # the client went away mid-body
                logger.info("upload %s: body cut short after %d bytes", upload.id, written)
                break
            if not chunk:
                break
            parts = chunk if isinstance(chunk, list) else [chunk]
            lease.keep()  # UploadLocked once another writer took over: nothing written
            size = _pwrite_all(fd, parts, offset + written)
            if hasher is not None:
                for part in parts:
                    hasher.update(part)
            written += size
            if hasher is None and (
                written - synced_bytes >= SYNC_EVERY_BYTES
                or time.monotonic() - synced_at >= SYNC_EVERY_SECONDS
            ):
                if fsync:
                    os.fdatasync(fd)
                lease.renew(offset=offset + written, expires_at=_expiry())
                synced_bytes, synced_at = written, time.monotonic()
        if fsync:
            os.fdatasync(fd)
    finally:
        os.close(fd)
    return written


def upload_probe(*, upload: Upload) -> dict:
    """The last byte arrived: flush and probe the file; returns the probe
    (``check_media``: container, duration, video, audio). Anything but media → bytes
    deleted, video ``failed`` with ``unsupported_media``, and UnsupportedMedia (415)."""
    if settings.UPLOAD_FSYNC != "never":  # the bytes on disk before they become a source
        fd = os.open(upload.spool_path, os.O_RDONLY)
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
    try:
        return check_media(upload.spool_path)
    except UnsupportedMedia as exc:
        with transaction.atomic():
            video_fail(video=upload.video, code=exc.code, message=exc.message)
            _delete(upload)
        raise


def upload_store_source(*, upload: Upload) -> str:
    """Copy the spool file to the video's source in storage; returns its stored name.
    StorageUnavailable (503) if the storage fails: the spool file is kept and the
    upload stays unfinished, so sending the last (empty) PATCH again retries."""
    try:
        # the transfer (S3: one streamed multipart upload of the spool) before any
        # transaction, so no row stays locked meanwhile; the PATCH's lease keeps other
        # writers of this upload out
        return video_store_source(
            video=upload.video, local_path=upload.spool_path, filename=upload.filename or "source"
        )
    except _storage_errors() as exc:
        logger.warning("upload %s: storing the source failed: %s", upload.id, exc)
        raise StorageUnavailable() from exc


@transaction.atomic
def upload_attach_source(*, upload: Upload, stored_name: str) -> tuple[Upload, Video]:
    """The stored file becomes the video's source; the upload is complete."""
    upload = Upload.objects.select_for_update().get(id=upload.id)
    video = video_attach_source(
        video=upload.video,
        stored_name=stored_name,
        filename=upload.filename or "source",
        size=upload.length,
    )
    upload.completed_at = timezone.now()
    upload.save(update_fields=["completed_at", "updated_at"])
    return upload, video


class StorageUnavailable(PodError):
    """The media storage (S3) refused or did not answer (HTTP 503); nothing is lost."""

    status, code = 503, "storage_unavailable"
    default_message = "The media storage is unavailable; retry the last request later."


def _storage_errors() -> tuple[type[BaseException], ...]:
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (Boto3Error, BotoCoreError, ClientError)


@transaction.atomic
def upload_terminate(*, upload: Upload) -> None:
    """tus §termination: delete the upload and its bytes. Raises UploadLocked (423)
    while a PATCH writes it, InvalidState (409) once it is complete (the file is the
    video's source by then)."""
    if upload.is_complete:
        raise InvalidState(
            "This upload is complete; delete the video instead.", code="upload_complete"
        )
    token = _acquire(upload)
    try:
        _delete(upload)
    except Exception:
        _release(upload, token)
        raise
    video = upload.video
    if video.status == "uploading" and not video.uploads.exists():
        Video.objects.filter(pk=video.pk).update(status="draft")


def uploads_delete_for_video(*, video: Video) -> None:
    for upload in Upload.objects.filter(video=video):
        _delete(upload)


def uploads_expire() -> int:
    """Delete unfinished uploads past their expiry, with their bytes; returns how many."""
    expired = Upload.objects.filter(completed_at__isnull=True, expires_at__lte=timezone.now())
    count = 0
    for upload in expired:
        _delete(upload)
        count += 1
    return count
