"""Reads of a video's contributors, documents, links, and of a user's notes and resume
position, on a video already fetched with the access rules of ``api.videos.selectors``
(what you may not see answers 404). Notes are filtered by author in the query: another
user's note answers 404, like one that does not exist."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest

from api.core.errors import NotFound
from api.core.links import media_url
from api.enrichment.models import Contributor, Document, Link, Note, ResumePosition
from api.videos.models import Video


def contributor_list(*, video: Video) -> QuerySet[Contributor]:
    return Contributor.objects.filter(video=video).order_by("id")


def contributor_get(*, video: Video, contributor_id: int) -> Contributor:
    """A contributor of ``video``; NotFound (404) otherwise."""
    found = Contributor.objects.filter(video=video, pk=contributor_id).first()
    if found is None:
        raise NotFound("No such contributor of this video.")
    return found


def link_list(*, video: Video) -> QuerySet[Link]:
    return Link.objects.filter(video=video).order_by("id")


def link_get(*, video: Video, link_id: int) -> Link:
    """A link of ``video``; NotFound (404) otherwise."""
    found = Link.objects.filter(video=video, pk=link_id).first()
    if found is None:
        raise NotFound("No such link of this video.")
    return found


def document_get(*, video: Video, document_id: UUID) -> Document:
    """A document of ``video``; NotFound (404) otherwise."""
    found = Document.objects.filter(video=video, pk=document_id).first()
    if found is None:
        raise NotFound("No such document of this video.")
    return found


def document_entry(*, request: HttpRequest, document: Document, token: str | None) -> dict:
    """One document as the API shows it: ``id``, ``title``, ``kind``, ``size`` (bytes),
    ``url`` (with ``token`` for a non-public video: see
    ``api.playback.services.video_media_token``), ``created_at``."""
    return {
        "id": document.id,
        "title": document.title,
        "kind": document.kind,
        "size": document.size,
        "url": media_url(request, document.file_name, token),
        "created_at": document.created_at,
    }


def document_entries(*, request: HttpRequest, video: Video, token: str | None) -> list[dict]:
    """Every document of ``video``, oldest first, as :func:`document_entry` shows it."""
    documents = Document.objects.filter(video=video).order_by("created_at", "id")
    return [document_entry(request=request, document=d, token=token) for d in documents]


def note_list(*, video: Video, author) -> QuerySet[Note]:
    """``author``'s notes on ``video``, by position."""
    return Note.objects.filter(video=video, author=author).order_by("position", "id")


def note_get(*, video: Video, author, note_id: int) -> Note:
    """One of ``author``'s notes on ``video``; NotFound (404) for any other note."""
    found = note_list(video=video, author=author).filter(pk=note_id).first()
    if found is None:
        raise NotFound("No such note.")
    return found


def resume_get(*, video: Video, user) -> ResumePosition | None:
    """Where ``user`` stopped in ``video``, if anywhere."""
    return ResumePosition.objects.filter(video=video, user=user).first()
