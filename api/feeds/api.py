"""``GET /videos/{id}/dublin-core``: a video's Dublin Core, as JSON (the envelope) or as
an ``oai_dc`` XML record (``?format=xml``, or ``Accept: application/xml`` without
``format``). Same visibility as ``GET /videos/{id}``: 404 for a video you may not see."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from django.http import HttpResponse
from ninja import Header, Query, Router

from api.accounts.auth import auth_optional
from api.feeds.dublincore import dublin_core, oai_dc_xml
from api.feeds.schemas import DublinCoreOut
from api.videos.grants import GRANT_HEADER
from api.videos.selectors import video_get

router = Router()

_XML_TYPES = ("application/xml", "text/xml")
_XML_DOC = {
    "description": "the oai_dc record (with ?format=xml or Accept: application/xml)",
    "content": {"application/xml": {"schema": {"type": "string"}}},
}


def _wants_xml(request, format: str | None) -> bool:
    if format is not None:
        return format == "xml"
    accept = request.headers.get("Accept", "")
    ranked = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    xml = min((ranked.index(t) for t in _XML_TYPES if t in ranked), default=None)
    json = ranked.index("application/json") if "application/json" in ranked else None
    return xml is not None and (json is None or xml < json)


@router.get(
    "/{uuid:video_id}/dublin-core",
    response=DublinCoreOut,
    auth=auth_optional,
    openapi_extra={"responses": {200: _XML_DOC}},
)
def get_dublin_core(
    request,
    video_id: UUID,
    format: Query[Literal["json", "xml"] | None] = None,
    grant: str | None = Header(None, alias=GRANT_HEADER),
):
    """The video's Dublin Core elements (a video you may see; 404 otherwise)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    record = dublin_core(request=request, video=video)
    if _wants_xml(request, format):
        return HttpResponse(oai_dc_xml(record), content_type="application/xml; charset=utf-8")
    return record
