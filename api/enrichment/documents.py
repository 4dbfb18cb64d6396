"""What an uploaded document is, from its bytes (never its name or the client's MIME type).

Accepted (the ``DocumentKind`` values):

- PDF: starts with ``%PDF-1.`` or ``%PDF-2.`` (ISO 32000 §7.5.2 header) and has an
  ``%%EOF`` marker in its last 1024 bytes (§7.5.5; a cut upload has none);
- OpenDocument (ODF 1.2 part 3 §3.3): a ZIP whose first entry is ``mimetype``, stored,
  holding ``application/vnd.oasis.opendocument.presentation`` / ``.text`` /
  ``.spreadsheet``;
- Office Open XML (ECMA-376 part 2): a ZIP with ``[Content_Types].xml`` and the main part
  of a presentation (``ppt/presentation.xml``), a document (``word/document.xml``) or a
  workbook (``xl/workbook.xml``);
- PNG, JPEG, WebP images, decoded by ``api.core.images.image_check``.

Only the ZIP's central directory and its tiny ``mimetype`` entry are read: nothing is
decompressed otherwise. Anything else: UnsupportedMedia (415, ``unsupported_document``).
"""

from __future__ import annotations

import io
import zipfile

from api.core.errors import UnsupportedImage, UnsupportedMedia
from api.core.images import image_check
from api.enrichment.models import DocumentKind

#: extension stored for each kind (the media view's Content-Type follows it)
EXTENSIONS = {
    DocumentKind.PDF: "pdf",
    DocumentKind.ODP: "odp",
    DocumentKind.ODT: "odt",
    DocumentKind.ODS: "ods",
    DocumentKind.PPTX: "pptx",
    DocumentKind.DOCX: "docx",
    DocumentKind.XLSX: "xlsx",
    DocumentKind.PNG: "png",
    DocumentKind.JPEG: "jpg",
    DocumentKind.WEBP: "webp",
}

_ODF = {
    b"application/vnd.oasis.opendocument.presentation": DocumentKind.ODP,
    b"application/vnd.oasis.opendocument.text": DocumentKind.ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": DocumentKind.ODS,
}
_OOXML = {
    "ppt/presentation.xml": DocumentKind.PPTX,
    "word/document.xml": DocumentKind.DOCX,
    "xl/workbook.xml": DocumentKind.XLSX,
}
_IMAGES = {"png": DocumentKind.PNG, "jpeg": DocumentKind.JPEG, "webp": DocumentKind.WEBP}


def _refused() -> UnsupportedMedia:
    return UnsupportedMedia(
        "The file is not a document we accept: PDF, OpenDocument (odp, odt, ods), "
        "Office Open XML (pptx, docx, xlsx), or a PNG, JPEG or WebP image.",
        field="file",
        code="unsupported_document",
    )


def _zip_kind(data: bytes) -> DocumentKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            first = entries[0] if entries else None
            if (
                first is not None
                and first.filename == "mimetype"
                and first.compress_type == zipfile.ZIP_STORED
                and first.file_size <= 100
            ):
                return _ODF.get(archive.read(first).strip())
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names:
                return next((kind for part, kind in _OOXML.items() if part in names), None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    return None


def document_kind(data: bytes) -> DocumentKind:
    """The kind of the document ``data`` holds; UnsupportedMedia (415,
    ``unsupported_document``) when it is none of the accepted ones (see the module)."""
    if data.startswith((b"%PDF-1.", b"%PDF-2.")):
        if b"%%EOF" in data[-1024:]:
            return DocumentKind.PDF
        raise _refused()
    if data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
        if kind is None:
            raise _refused()
        return kind
    try:
        info = image_check(data)
    except UnsupportedImage:
        raise _refused() from None
    return _IMAGES[info.format]
