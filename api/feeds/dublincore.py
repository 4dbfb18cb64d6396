"""Dublin Core metadata of a video: the fifteen DCMES elements
(https://www.dublincore.org/specifications/dublin-core/dces/) as a dict, and as an
OAI-PMH ``oai_dc`` record (http://www.openarchives.org/OAI/2.0/oai_dc.xsd).

Mapping (after Esup-Pod's ``video/dublincore``): title; creator: the owner; contributor:
the additional owners; subject: disciplines, then tags; description; publisher:
``DUBLIN_CORE_PUBLISHER``; date: creation day (ISO 8601); type: ``MovingImage``, or
``Sound`` for an audio-only source (DCMI Type Vocabulary); format: the MIME type of the
progressive download, else ``application/x-mpegURL`` (HLS) once ready; identifier: the
video's page (``VIDEO_PAGE_URL``) or API URL; language: the default audio rendition's
language (null when unknown); rights: the licence's name and URL.
"""

from __future__ import annotations

from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpRequest

from api.feeds.links import fallback, video_page_url
from api.videos.models import Licence, Video

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

#: the licences' deeds
LICENCE_URLS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC_BY_ND: "https://creativecommons.org/licenses/by-nd/4.0/",
    Licence.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
    Licence.CC_BY_NC_SA: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    Licence.CC_BY_NC_ND: "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}

#: the element order of an oai_dc record
ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "language",
    "rights",
)


def _name(user) -> str:
    return user.get_full_name() or user.username


def _language(video: Video) -> str | None:
    audio = ((video.manifest or {}).get("hls") or {}).get("audio") or []
    default = next((item for item in audio if item.get("default")), audio[0] if audio else None)
    return (default or {}).get("language") or None


def _format(video: Video) -> str | None:
    found = fallback(video)
    if found is not None:
        return "audio/mp4" if found["type"].startswith("audio/") else found["type"]
    return "application/x-mpegURL" if video.manifest else None


def dublin_core(*, request: HttpRequest, video: Video) -> dict:
    """The video's Dublin Core: ``{element: str | list[str] | None}``; ``creator``,
    ``subject`` and ``contributor`` are lists (repeatable), the others one value."""
    audio_only = bool(((video.manifest or {}).get("hls") or {}).get("audio_only"))
    licence = Licence(video.licence)
    rights = licence.label
    if licence in LICENCE_URLS:
        rights = f"{licence.label} {LICENCE_URLS[licence]}"
    return {
        "title": video.title,
        "creator": [_name(video.owner)],
        "subject": [d.title for d in video.disciplines.all()] + [t.name for t in video.tags.all()],
        "description": video.description,
        "publisher": settings.DUBLIN_CORE_PUBLISHER,
        "contributor": [_name(user) for user in video.additional_owners.all()],
        "date": video.created_at.date().isoformat(),
        "type": "Sound" if audio_only else "MovingImage",
        "format": _format(video),
        "identifier": video_page_url(request, video),
        "language": _language(video),
        "rights": rights,
    }


def oai_dc_xml(record: dict) -> bytes:
    """``record`` (:func:`dublin_core`) as an ``oai_dc:dc`` XML document (UTF-8); empty
    and null elements are left out."""
    ElementTree.register_namespace("oai_dc", OAI_DC_NS)
    ElementTree.register_namespace("dc", DC_NS)
    ElementTree.register_namespace("xsi", XSI_NS)
    root = ElementTree.Element(
        f"{{{OAI_DC_NS}}}dc", {f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} {OAI_DC_SCHEMA}"}
    )
    for element in ELEMENTS:
        value = record.get(element)
        for item in value if isinstance(value, list) else [value]:
            if item:
                ElementTree.SubElement(root, f"{{{DC_NS}}}{element}").text = item
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
