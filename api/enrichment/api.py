"""Enrichment endpoints under ``/videos/{id}/``: thin handlers over ``services`` and
``selectors``. Contributors, documents and links are read by whoever may see the video
(404 otherwise; ``X-Video-Grant`` for a password-protected one) and changed by its
owners, additional owners and staff (403 for others who can see it). Notes and the
resume position belong to the signed-in user: nobody else reads or changes them."""

# no ``from __future__ import annotations``: @paginate needs evaluated annotations
from uuid import UUID

from django.conf import settings
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from api.accounts.auth import auth_optional, auth_required
from api.core.pagination import LimitOffset
from api.enrichment import selectors, services
from api.enrichment.schemas import (
    ContributorIn,
    ContributorOut,
    ContributorPatch,
    EnrichmentOut,
    ResumePositionIn,
    ResumePositionOut,
    Title,
    VideoDocumentOut,
    VideoDocumentPatch,
    VideoLinkIn,
    VideoLinkOut,
    VideoLinkPatch,
    VideoNoteIn,
    VideoNoteOut,
    VideoNotePatch,
)
from api.playback.services import video_media_token
from api.videos.api import GrantHeader
from api.videos.selectors import video_get, video_get_editable

router = Router()


@router.get("/{uuid:video_id}/enrichment", response=EnrichmentOut, auth=auth_optional)
def get_enrichment(request, video_id: UUID, grant: str | None = GrantHeader):
    """The contributors, documents (URLs tokened for a non-public video) and links."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    token, _ = video_media_token(video)
    return {
        "contributors": selectors.contributor_list(video=video),
        "documents": selectors.document_entries(request=request, video=video, token=token),
        "links": selectors.link_list(video=video),
    }


# --- contributors ---------------------------------------------------------------------


@router.get("/{uuid:video_id}/contributors", response=list[ContributorOut], auth=auth_optional)
def list_contributors(request, video_id: UUID, grant: str | None = GrantHeader):
    """The contributors, in the order they were added."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return selectors.contributor_list(video=video)


@router.post("/{uuid:video_id}/contributors", response={201: ContributorOut}, auth=auth_required)
def create_contributor(request, video_id: UUID, payload: ContributorIn):
    """Add a contributor (at most 100 a video: 409 ``too_many_items``)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return Status(201, services.contributor_create(video=video, **payload.dict()))


@router.patch(
    "/{uuid:video_id}/contributors/{int:contributor_id}",
    response=ContributorOut,
    auth=auth_required,
)
def update_contributor(request, video_id: UUID, contributor_id: int, payload: ContributorPatch):
    """Change a contributor (fields left out stay)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    contributor = selectors.contributor_get(video=video, contributor_id=contributor_id)
    return services.contributor_update(contributor=contributor, **payload.dict(exclude_unset=True))


@router.delete(
    "/{uuid:video_id}/contributors/{int:contributor_id}", response={204: None}, auth=auth_required
)
def delete_contributor(request, video_id: UUID, contributor_id: int):
    video = video_get_editable(video_id=video_id, user=request.auth)
    contributor = selectors.contributor_get(video=video, contributor_id=contributor_id)
    services.contributor_delete(contributor=contributor)
    return Status(204, None)


# --- links ------------------------------------------------------------------------------


@router.get("/{uuid:video_id}/links", response=list[VideoLinkOut], auth=auth_optional)
def list_links(request, video_id: UUID, grant: str | None = GrantHeader):
    """The hyperlinks, in the order they were added."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return selectors.link_list(video=video)


@router.post("/{uuid:video_id}/links", response={201: VideoLinkOut}, auth=auth_required)
def create_link(request, video_id: UUID, payload: VideoLinkIn):
    """Add a link (an http or https URL; at most 100 a video: 409 ``too_many_items``)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return Status(201, services.link_create(video=video, title=payload.title, url=payload.url))


@router.patch("/{uuid:video_id}/links/{int:link_id}", response=VideoLinkOut, auth=auth_required)
def update_link(request, video_id: UUID, link_id: int, payload: VideoLinkPatch):
    video = video_get_editable(video_id=video_id, user=request.auth)
    link = selectors.link_get(video=video, link_id=link_id)
    return services.link_update(link=link, **payload.dict(exclude_unset=True))


@router.delete("/{uuid:video_id}/links/{int:link_id}", response={204: None}, auth=auth_required)
def delete_link(request, video_id: UUID, link_id: int):
    video = video_get_editable(video_id=video_id, user=request.auth)
    services.link_delete(link=selectors.link_get(video=video, link_id=link_id))
    return Status(204, None)


# --- documents --------------------------------------------------------------------------


@router.get("/{uuid:video_id}/documents", response=list[VideoDocumentOut], auth=auth_optional)
def list_documents(request, video_id: UUID, grant: str | None = GrantHeader):
    """The documents, oldest first; their URLs follow the video's access rules (plain
    for a public video, tokened otherwise, like its media)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    token, _ = video_media_token(video)
    return selectors.document_entries(request=request, video=video, token=token)


@router.post("/{uuid:video_id}/documents", response={201: VideoDocumentOut}, auth=auth_required)
def upload_document(request, video_id: UUID, file: File[UploadedFile], title: Form[Title]):
    """Attach a document (multipart: ``file``, ``title``). Its content decides what it
    is, never its name: PDF, OpenDocument, Office Open XML or a PNG/JPEG/WebP image, else
    415 ``unsupported_document``; over ``DOCUMENT_MAX_SIZE``: 413
    ``payload_too_large``; at most 100 a video: 409 ``too_many_items``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    data = file.read() if file.size <= settings.DOCUMENT_MAX_SIZE else b""
    document = services.document_save(video=video, title=title, data=data, size=file.size)
    token, _ = video_media_token(video)
    return Status(201, selectors.document_entry(request=request, document=document, token=token))


@router.patch(
    "/{uuid:video_id}/documents/{uuid:document_id}", response=VideoDocumentOut, auth=auth_required
)
def update_document(request, video_id: UUID, document_id: UUID, payload: VideoDocumentPatch):
    """Rename a document."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    document = selectors.document_get(video=video, document_id=document_id)
    document = services.document_update(document=document, title=payload.title)
    token, _ = video_media_token(video)
    return selectors.document_entry(request=request, document=document, token=token)


@router.delete(
    "/{uuid:video_id}/documents/{uuid:document_id}", response={204: None}, auth=auth_required
)
def delete_document(request, video_id: UUID, document_id: UUID):
    """Delete a document and its file."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    services.document_delete(document=selectors.document_get(video=video, document_id=document_id))
    return Status(204, None)


# --- notes (private to their author) -----------------------------------------------


@router.get("/{uuid:video_id}/notes", response=list[VideoNoteOut], auth=auth_required)
@paginate(LimitOffset)
def list_notes(request, video_id: UUID, grant: str | None = GrantHeader):
    """Your notes on the video, by position (nobody else's, whoever you are)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return selectors.note_list(video=video, author=request.auth)


@router.post("/{uuid:video_id}/notes", response={201: VideoNoteOut}, auth=auth_required)
def create_note(request, video_id: UUID, payload: VideoNoteIn, grant: str | None = GrantHeader):
    """A private note at ``position`` seconds (past the end: 422 ``position_out_of_range``;
    at most 1000 a video: 409 ``too_many_items``)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    note = services.note_create(
        video=video, author=request.auth, position=payload.position, text=payload.text
    )
    return Status(201, note)


@router.patch("/{uuid:video_id}/notes/{int:note_id}", response=VideoNoteOut, auth=auth_required)
def update_note(
    request, video_id: UUID, note_id: int, payload: VideoNotePatch, grant: str | None = GrantHeader
):
    """Change your note (another's answers 404)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    note = selectors.note_get(video=video, author=request.auth, note_id=note_id)
    return services.note_update(note=note, video=video, **payload.dict(exclude_unset=True))


@router.delete("/{uuid:video_id}/notes/{int:note_id}", response={204: None}, auth=auth_required)
def delete_note(request, video_id: UUID, note_id: int, grant: str | None = GrantHeader):
    """Delete your note (another's answers 404)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    services.note_delete(note=selectors.note_get(video=video, author=request.auth, note_id=note_id))
    return Status(204, None)


# --- resume position ------------------------------------------------------------------


def _resume_out(video, user) -> dict:
    saved = selectors.resume_get(video=video, user=user)
    return {
        "position": saved.position if saved else None,
        "updated_at": saved.updated_at if saved else None,
    }


@router.get("/{uuid:video_id}/resume", response=ResumePositionOut, auth=auth_required)
def get_resume(request, video_id: UUID, grant: str | None = GrantHeader):
    """Where you stopped watching (null: start from the beginning)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return _resume_out(video, request.auth)


@router.put("/{uuid:video_id}/resume", response=ResumePositionOut, auth=auth_required)
def put_resume(request, video_id: UUID, payload: ResumePositionIn, grant: str | None = GrantHeader):
    """Remember where you are; within ``RESUME_END_SECONDS`` of the end the position is
    cleared (null). Past the end: 422 ``position_out_of_range``."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    services.resume_save(video=video, user=request.auth, position=payload.position)
    return _resume_out(video, request.auth)


@router.delete("/{uuid:video_id}/resume", response={204: None}, auth=auth_required)
def delete_resume(request, video_id: UUID, grant: str | None = GrantHeader):
    """Forget where you are."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    services.resume_clear(video=video, user=request.auth)
    return Status(204, None)
