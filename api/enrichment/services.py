"""Writes of contributors, documents, links, notes and resume positions.

Errors: Conflict (409, ``too_many_items``) past ``MAX_PER_VIDEO`` contributors, documents
or links of a video, or ``MAX_NOTES`` notes of a user on a video; PayloadTooLarge (413)
for a document over ``DOCUMENT_MAX_SIZE`` bytes; UnsupportedMedia (415,
``unsupported_document``) for a file that is not a document we accept
(``api.enrichment.documents``); ValidationFailed (422, ``position_out_of_range``,
``field="position"``) for a note or resume position past the end of the video.
Permissions are the callers' (``api.enrichment.api`` fetches the video as its editors or
viewers, a note as its author).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model

from api.accounts.models import User
from api.core.errors import Conflict, PayloadTooLarge, ValidationFailed
from api.enrichment.documents import EXTENSIONS, document_kind
from api.enrichment.models import (
    DOCUMENTS_DIR,
    Contributor,
    Document,
    Link,
    Note,
    ResumePosition,
)
from api.videos.models import Video

logger = logging.getLogger(__name__)

#: the most contributors, documents or links one video may have
MAX_PER_VIDEO = 100
#: the most notes one user may keep on one video
MAX_NOTES = 1000


def _check_room(model: type[Model], limit: int, what: str, **owner) -> None:
    if model.objects.filter(**owner).count() >= limit:
        raise Conflict(f"At most {limit} {what}.", code="too_many_items")


def _update(obj: Model, changes: dict) -> Model:
    """Set the given fields (None: unchanged) and save them."""
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(obj, name, changes[name])
    if fields:
        obj.save(update_fields=fields + (["updated_at"] if hasattr(obj, "updated_at") else []))
    return obj


def check_position(video: Video, position: float) -> None:
    """A position (seconds) must not pass the end of the video (when its duration is
    known); ValidationFailed (422, ``position_out_of_range``) otherwise."""
    if video.duration and position > video.duration:
        raise ValidationFailed(
            f"The position is past the end of the video ({video.duration:g} s).",
            field="position",
            code="position_out_of_range",
        )


# --- contributors and links (the video's editors) ------------------------------------


@transaction.atomic
def contributor_create(
    *, video: Video, name: str, role: str, email: str = "", weblink: str = ""
) -> Contributor:
    """A new contributor of ``video`` (``role``: a ``ContributorRole`` value)."""
    Video.objects.select_for_update().filter(pk=video.pk).first()  # one count at a time
    _check_room(Contributor, MAX_PER_VIDEO, "contributors per video", video=video)
    return Contributor.objects.create(
        video=video, name=name, role=role, email=email, weblink=weblink
    )


@transaction.atomic
def contributor_update(*, contributor: Contributor, **changes) -> Contributor:
    """Change ``name``, ``role``, ``email`` or ``weblink`` (None: unchanged; "" clears
    the e-mail or the link)."""
    return _update(contributor, changes)


@transaction.atomic
def contributor_delete(*, contributor: Contributor) -> None:
    contributor.delete()


@transaction.atomic
def link_create(*, video: Video, title: str, url: str) -> Link:
    """A new hyperlink of ``video`` (``url``: http or https, checked by the schema)."""
    Video.objects.select_for_update().filter(pk=video.pk).first()
    _check_room(Link, MAX_PER_VIDEO, "links per video", video=video)
    return Link.objects.create(video=video, title=title, url=url)


@transaction.atomic
def link_update(*, link: Link, title: str | None = None, url: str | None = None) -> Link:
    return _update(link, {"title": title, "url": url})


@transaction.atomic
def link_delete(*, link: Link) -> None:
    link.delete()


# --- documents ------------------------------------------------------------------------


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # already gone, or storage trouble: an orphan file, not an error
        logger.warning("could not delete the document file %s", name, exc_info=True)


@transaction.atomic
def document_save(*, video: Video, title: str, data: bytes, size: int) -> Document:
    """Store ``data`` (``size`` bytes, checked before anything is read) as a document of
    ``video``, under ``videos/<id>/documents/<random>.<extension of its kind>``: the
    extension comes from what the content is, never from the uploaded name."""
    if size > settings.DOCUMENT_MAX_SIZE:
        raise PayloadTooLarge(
            f"A document may hold at most {settings.DOCUMENT_MAX_SIZE} bytes.", field="file"
        )
    Video.objects.select_for_update().filter(pk=video.pk).first()
    _check_room(Document, MAX_PER_VIDEO, "documents per video", video=video)
    kind = document_kind(data)
    name = f"{video.storage_prefix}{DOCUMENTS_DIR}{uuid.uuid4().hex}.{EXTENSIONS[kind]}"
    name = default_storage.save(name, ContentFile(data))
    try:
        with transaction.atomic():
            return Document.objects.create(
                video=video, title=title, kind=kind, file_name=name, size=len(data)
            )
    except BaseException:
        _delete_file(name)
        raise


@transaction.atomic
def document_update(*, document: Document, title: str) -> Document:
    document.title = title
    document.save(update_fields=["title"])
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete a document and, after commit, its file."""
    name = document.file_name
    document.delete()
    transaction.on_commit(lambda: _delete_file(name))


# --- notes (their author only) -----------------------------------------------------


@transaction.atomic
def note_create(*, video: Video, author: User, position: float, text: str) -> Note:
    """A private note of ``author`` at ``position`` seconds of ``video``."""
    check_position(video, position)
    User.objects.select_for_update().filter(pk=author.pk).first()
    _check_room(Note, MAX_NOTES, "notes per video", video=video, author=author)
    return Note.objects.create(video=video, author=author, position=position, text=text)


@transaction.atomic
def note_update(
    *, note: Note, video: Video, position: float | None = None, text: str | None = None
) -> Note:
    if position is not None:
        check_position(video, position)
    return _update(note, {"position": position, "text": text})


@transaction.atomic
def note_delete(*, note: Note) -> None:
    note.delete()


# --- resume position (signed-in viewers) -------------------------------------------


@transaction.atomic
def resume_save(*, video: Video, user: User, position: float) -> float | None:
    """Remember where ``user`` is in ``video``; returns the position kept, or None when
    it is near the end: within ``RESUME_END_SECONDS`` of it, or within the last tenth of
    a shorter video (it was watched to its end: the position is cleared, the next
    playback starts over). One upsert, safe under concurrent calls. Called by
    ``PUT /videos/{id}/resume`` and by signed-in viewers' heartbeats (``api.analytics``)."""
    check_position(video, position)
    duration = video.duration
    if duration and position >= duration - min(settings.RESUME_END_SECONDS, duration / 10):
        resume_clear(video=video, user=user)
        return None
    ResumePosition.objects.bulk_create(
        [ResumePosition(video=video, user=user, position=position)],
        update_conflicts=True,
        unique_fields=["video", "user"],
        update_fields=["position", "updated_at"],
    )
    return position


@transaction.atomic
def resume_clear(*, video: Video, user: User) -> None:
    """Forget where ``user`` is in ``video`` (nothing happens without a position)."""
    ResumePosition.objects.filter(video=video, user=user).delete()
