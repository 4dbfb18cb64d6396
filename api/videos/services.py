"""Writes on videos. Keyword-only, typed; raise ``api.core.errors`` exceptions."""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from api.accounts.models import AccessGroup, User
from api.accounts.services import user_check_administrable
from api.core import storage
from api.core.errors import (
    InvalidState,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
    WrongPassword,
    listing,
)
from api.core.images import image_check
from api.videos.editorial import UNSET, resolve_fields, resolve_type
from api.videos.grants import GRANT_HEADER, grant_issue
from api.videos.models import (
    SOURCE_DIR,
    THUMBNAILS_DIR,
    UPLOADABLE,
    Licence,
    Video,
    VideoStatus,
    Visibility,
)
from api.videos.selectors import can_manage
from podv5_contract.events import public_message

logger = logging.getLogger(__name__)


@transaction.atomic
def video_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    visibility: Visibility = Visibility.PUBLIC,
    is_draft: bool = True,
    password: str | None = None,
    access_groups: list[str] | None = None,
    additional_owners: list[str] | None = None,
    licence: Licence = Licence.ALL_RIGHTS_RESERVED,
    type: int | None = None,
    channels: list[int] | None = None,
    themes: list[int] | None = None,
    disciplines: list[int] | None = None,
    tags: list[str] | None = None,
) -> Video:
    """A new video in ``draft`` status, waiting for its source upload. Raises
    PermissionDenied (403) when ``owner`` may not upload (the viewer role) and
    ValidationFailed (422, with ``field``) for inconsistent access settings (see
    :func:`video_update`)."""
    if not owner.upload_allowed:
        raise PermissionDenied("You may not upload videos: ask for the uploader role.")
    video = Video(
        owner=owner,
        title=title,
        description=description,
        is_draft=is_draft,
        licence=licence,
        type=resolve_type(type_id=type),
    )
    groups, owners = _apply_access(
        video,
        visibility=visibility,
        password=password,
        access_groups=access_groups or [],
        additional_owners=additional_owners or [],
    )
    editorial = resolve_fields(
        video=video,
        actor=owner,
        channels=channels or [],
        themes=themes or [],
        disciplines=disciplines or [],
        tags=tags or [],
    )
    video.search_tags = " ".join(sorted(tag.slug for tag in editorial["tags"]))
    video.save()
    video.access_groups.set(groups or [])
    video.additional_owners.set(owners or [])
    _set_editorial(video, editorial)
    return video


def _set_editorial(video: Video, editorial: dict[str, list]) -> None:
    for name, objects in editorial.items():
        getattr(video, name).set(objects)


@transaction.atomic
def video_update(
    *,
    video: Video,
    actor: User,
    title: str | None = None,
    description: str | None = None,
    visibility: Visibility | None = None,
    is_draft: bool | None = None,
    password: str | None = None,
    access_groups: list[str] | None = None,
    additional_owners: list[str] | None = None,
    licence: Licence | None = None,
    type: int | None = UNSET,
    channels: list[int] | None = None,
    themes: list[int] | None = None,
    disciplines: list[int] | None = None,
    tags: list[str] | None = None,
) -> Video:
    """Change metadata and access settings; ``None`` leaves a field as it is (``type``:
    left out leaves it, ``None`` clears it).

    Editorial fields (``api.videos.editorial.resolve_fields``): channel,
    theme, discipline and type ids, tag names; adding the video to a channel needs
    its ownership or membership (403), unknown ids are refused (422).

    ``access_groups``: code names; ``additional_owners``: usernames (the owner and
    staff only: PermissionDenied, 403, for an additional owner). ``password`` (plain
    text, stored hashed) only goes with ``visibility=password``, which needs one;
    leaving that visibility forgets the password; a new password revokes the grants
    of the old one. ``restricted`` needs at least one access group. Violations raise
    ValidationFailed (422, with ``field``).
    """
    if additional_owners is not None and not can_manage(actor, video):
        raise PermissionDenied(
            "Only the owner may change the additional owners.", field="additional_owners"
        )
    fields = ["visibility", "password", "password_version", "updated_at"]
    if type is not UNSET:
        video.type = resolve_type(type_id=type)
        fields.append("type")
    editorial = resolve_fields(
        video=video,
        actor=actor,
        channels=channels,
        themes=themes,
        disciplines=disciplines,
        tags=tags,
    )
    if "tags" in editorial:
        video.search_tags = " ".join(sorted(tag.slug for tag in editorial["tags"]))
        fields.append("search_tags")
    for name, value in (
        ("title", title),
        ("description", description),
        ("is_draft", is_draft),
        ("licence", licence),
    ):
        if value is not None:
            setattr(video, name, value)
            fields.append(name)
    groups, owners = _apply_access(
        video,
        visibility=visibility or video.visibility,
        password=password,
        access_groups=access_groups,
        additional_owners=additional_owners,
    )
    # only these fields: the encoding may change the status meanwhile
    video.save(update_fields=fields)
    if groups is not None:
        video.access_groups.set(groups)
    if owners is not None:
        video.additional_owners.set(owners)
    _set_editorial(video, editorial)
    return video


def _apply_access(
    video: Video,
    *,
    visibility: Visibility,
    password: str | None,
    access_groups: list[str] | None,
    additional_owners: list[str] | None,
) -> tuple[list[AccessGroup] | None, list[User] | None]:
    """Check and set the access fields of ``video`` (unsaved); return the access groups
    and additional owners to set once it is saved (``None``: unchanged)."""
    groups = owners = None
    if access_groups is not None:
        groups = list(AccessGroup.objects.filter(code_name__in=access_groups))
        unknown = set(access_groups) - {group.code_name for group in groups}
        if unknown:
            raise ValidationFailed(
                f"Unknown access groups: {listing(unknown)}.", field="access_groups"
            )
    if additional_owners is not None:
        names = set(additional_owners) - {video.owner.username}
        owners = list(User.objects.filter(username__in=names, is_active=True))
        unknown = names - {user.username for user in owners}
        if unknown:
            raise ValidationFailed(f"Unknown users: {listing(unknown)}.", field="additional_owners")
    if visibility == Visibility.RESTRICTED:
        if groups is not None:
            has_groups = bool(groups)
        else:
            has_groups = not video._state.adding and video.access_groups.exists()
        if not has_groups:
            raise ValidationFailed(
                "A restricted video needs at least one access group.", field="access_groups"
            )
    if visibility == Visibility.PASSWORD:
        if password is None and not video.password:
            raise ValidationFailed("A password-protected video needs a password.", field="password")
    elif password is not None:
        raise ValidationFailed("A password only goes with visibility 'password'.", field="password")
    if password is not None or (visibility != Visibility.PASSWORD and video.password):
        video.password = make_password(password) if password is not None else ""
        video.password_version += 1
    video.visibility = visibility
    return groups, owners


def video_unlock(*, video: Video, password: str) -> dict:
    """A grant for a password-protected video: ``{"grant": token, "expires_at":
    datetime, "header": "X-Video-Grant"}``. Raises InvalidState (409,
    ``not_password_protected``) for another visibility and WrongPassword (403)."""
    if video.visibility != Visibility.PASSWORD:
        raise InvalidState("This video is not password-protected.", code="not_password_protected")

    def upgrade(raw: str) -> None:  # a stronger hasher became the default: rehash
        Video.objects.filter(pk=video.pk).update(password=make_password(raw))

    if not video.password or not check_password(password, video.password, setter=upgrade):
        raise WrongPassword()
    token, expires_at = grant_issue(video_id=video.id, password_version=video.password_version)
    return {"grant": token, "expires_at": expires_at, "header": GRANT_HEADER}


@transaction.atomic
def video_delete(*, video: Video) -> None:
    """Delete the video (its rows cascade), then its files once the transaction has
    committed. Its jobs and uploads: ``api.pipeline.services.video_deleted`` first."""
    prefix = video.storage_prefix
    video.delete()
    transaction.on_commit(lambda: storage.delete_prefix(prefix))


@transaction.atomic
def video_start_upload(*, video: Video) -> Video:
    """Mark the video ``uploading`` (from draft, uploading or failed); raises
    InvalidState (409) once a source is being encoded or is ready."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if video.status not in UPLOADABLE:
        raise InvalidState(f"The video is {video.status}: its source can no longer change.")
    video.status = VideoStatus.UPLOADING
    video.error_code = video.error_message = ""
    video.save(update_fields=["status", "error_code", "error_message", "updated_at"])
    return video


def safe_filename(filename: str, default: str = "source") -> str:
    """A file name safe as a storage path segment (ASCII, no separators), extension kept."""
    name = unicodedata.normalize("NFKD", Path(filename or "").name)
    name = name.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:120]
    return name or default


def video_store_source(*, video: Video, local_path: Path, filename: str) -> str:
    """Move a complete, probed upload into storage under the video's source folder and
    return its storage name, for :func:`video_attach_source`. Runs outside any
    transaction: with S3 this is a transfer of the whole file (about 13 s per GiB on
    loopback), and no row lock is held meanwhile. A name still in use (the previous
    source) gets the upload's prefix. Raises the storage's errors (botocore's for S3);
    the local file is then kept."""
    name = f"{video.storage_prefix}{SOURCE_DIR}{safe_filename(filename)}"
    if storage.exists(name):
        name = f"{video.storage_prefix}{SOURCE_DIR}{local_path.stem[:8]}-{safe_filename(filename)}"
    return storage.move_into_storage(local_path, name)


@transaction.atomic
def video_attach_source(*, video: Video, stored_name: str, filename: str, size: int) -> Video:
    """Make an already stored file (:func:`video_store_source`) the video's source and
    mark the video ``processing``; the previous source is deleted after commit. Raises
    InvalidState (409) if the video no longer takes a source (the caller deletes
    ``stored_name``)."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if video.status not in UPLOADABLE:
        raise InvalidState(f"The video is {video.status}: its source can no longer change.")
    if video.source_name and video.source_name != stored_name:
        old = video.source_name
        transaction.on_commit(lambda: storage.delete_prefix(old))
    video.source_name = stored_name
    video.source_filename = filename[:255]
    video.source_size = size
    video.status = VideoStatus.PROCESSING
    video.error_code = video.error_message = ""
    video.save()
    return video


@transaction.atomic
def video_mark_importing(*, video: Video) -> Video:
    """A new video whose source a worker imports from a URL (``api.pipeline``): from
    ``draft`` to ``processing`` (its source is attached when the worker reports it,
    :func:`video_source_imported`)."""
    Video.objects.filter(pk=video.pk, status=VideoStatus.DRAFT).update(
        status=VideoStatus.PROCESSING
    )
    video.refresh_from_db()
    return video


@transaction.atomic
def video_source_imported(*, video: Video, stored_name: str, filename: str, size: int) -> Video:
    """Record the source a worker imported and stored at ``stored_name`` (the video's
    kept source from now on, as an upload's); the status is the encoding's business."""
    Video.objects.filter(pk=video.pk).update(
        source_name=stored_name, source_filename=filename[:255], source_size=size
    )
    video.refresh_from_db()
    return video


@transaction.atomic
def video_fail(*, video: Video, code: str, message: str) -> Video:
    """Mark the video ``failed`` with a stable ``code`` and a message (clients read it:
    server paths and URIs are masked, see ``podv5_contract.events.public_message``)."""
    Video.objects.filter(pk=video.pk).update(
        status=VideoStatus.FAILED, error_code=code[:64], error_message=public_message(message)
    )
    video.refresh_from_db()
    return video


@transaction.atomic
def video_mark_ready(*, video: Video, output_prefix: str, manifest: dict) -> Video:
    """Record the outputs of a successful encoding (``manifest.json``) and mark the
    video ``ready``. Outputs of an earlier encoding are deleted after commit.
    ``output_size`` becomes the manifest's ``total_size_bytes`` (every output file but
    ``manifest.json`` itself): what the outputs weigh against the owner's quota."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    old_prefix = video.output_prefix
    video.output_prefix = output_prefix
    video.manifest = manifest
    video.output_size = manifest.get("total_size_bytes")
    video.duration = manifest.get("duration")
    video.status = VideoStatus.READY
    video.error_code = video.error_message = ""
    video.save()
    if old_prefix and old_prefix != output_prefix:
        transaction.on_commit(lambda: storage.delete_prefix(old_prefix))
    return video


@transaction.atomic
def video_mark_processing(*, video: Video) -> Video:
    """A failed video whose source is encoded again (``api.pipeline``) is ``processing``
    again; a ready one stays ready (its outputs play until the new ones replace them)."""
    Video.objects.filter(pk=video.pk, status=VideoStatus.FAILED).update(
        status=VideoStatus.PROCESSING, error_code="", error_message=""
    )
    video.refresh_from_db()
    return video


@transaction.atomic
def video_unpublish(*, video: Video) -> bool:
    """Make the video a draft again (seen by its owners and staff only; source and
    outputs kept): ``api.retention`` archives videos so. Returns whether it changed."""
    changed = Video.objects.filter(pk=video.pk, is_draft=False).update(
        is_draft=True, updated_at=timezone.now()
    )
    video.is_draft = True
    return bool(changed)


@transaction.atomic
def video_thumbnail_set(*, video: Video, data: bytes, size: int) -> Video:
    """Store an uploaded image as the video's poster (instead of the encoded one).
    ``size``: the upload's bytes, checked before anything is decoded. Raises
    PayloadTooLarge (413) over ``THUMBNAIL_MAX_SIZE`` and UnsupportedImage (415,
    ``unsupported_image``) for anything but one decodable PNG, JPEG or WebP image. A new
    name each time (cached copies of the old one never mask it); the old file goes after
    commit."""
    if size > settings.THUMBNAIL_MAX_SIZE:
        raise PayloadTooLarge(
            f"A thumbnail may hold at most {settings.THUMBNAIL_MAX_SIZE} bytes.", field="file"
        )
    info = image_check(data)
    name = f"{video.storage_prefix}{THUMBNAILS_DIR}{uuid.uuid4().hex[:12]}.{info.extension}"
    name = default_storage.save(name, ContentFile(data))
    video = Video.objects.select_for_update().get(pk=video.pk)
    old = video.thumbnail_name
    video.thumbnail_name = name
    video.save(update_fields=["thumbnail_name", "updated_at"])
    if old:
        transaction.on_commit(lambda: storage.delete_prefix(old))
    return video


@transaction.atomic
def video_thumbnail_clear(*, video: Video) -> Video:
    """Forget the uploaded thumbnail (its file goes after commit): the encoded poster is
    the poster again."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    old = video.thumbnail_name
    if old:
        video.thumbnail_name = ""
        video.save(update_fields=["thumbnail_name", "updated_at"])
        transaction.on_commit(lambda: storage.delete_prefix(old))
    return video


def videos_transfer_owner(
    *, actor: User, from_user: User, to_user: User, video_ids: list[UUID] | None = None
) -> list[UUID]:
    """Make ``to_user`` the owner of every video ``from_user`` owns, or of those of
    ``video_ids`` (each must be ``from_user``'s), all or none; returns their ids.
    ``to_user``, if one of their additional owners, is no longer listed as such;
    ``from_user`` keeps no right on them (add them as an additional owner if needed).
    Storage usage moves with the videos (the quota is checked at upload only, so a
    transfer may take ``to_user`` past theirs).

    Staff only, and only admins move an admin's videos (PermissionDenied, 403,
    ``api.accounts.services.user_check_administrable``); ``to_user`` inactive or the same
    user, or ids that are not ``from_user``'s videos: ValidationFailed (422, field
    ``to`` or ``videos``)."""
    user_check_administrable(actor=actor, target=from_user)
    if to_user.pk == from_user.pk:
        raise ValidationFailed("The videos already belong to this user.", field="to")
    if not to_user.is_active:
        raise ValidationFailed("The new owner's account is deactivated.", field="to")
    videos = Video.objects.select_for_update().filter(owner=from_user)
    if video_ids is not None:
        wanted = set(video_ids)
        videos = videos.filter(pk__in=wanted)
        unknown = wanted - set(videos.values_list("pk", flat=True))
        if unknown:
            raise ValidationFailed(
                f"Not videos of {from_user.username!r}: {listing(unknown)}.", field="videos"
            )
    ids = sorted(videos.values_list("pk", flat=True))
    Video.objects.filter(pk__in=ids).update(owner=to_user)
    Video.additional_owners.through.objects.filter(video_id__in=ids, user_id=to_user.pk).delete()
    logger.info(
        "%d videos of %s transferred to %s by %s",
        len(ids),
        from_user.username,
        to_user.username,
        actor.username,
    )
    return ids
