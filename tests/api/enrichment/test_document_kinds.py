"""What an uploaded document is, from its bytes: accepted kinds, and look-alikes refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from api.core.errors import UnsupportedMedia
from api.enrichment.documents import document_kind
from tests.api.enrichment.files import odf, ooxml, pdf, png


@pytest.mark.parametrize(
    "data, kind",
    [
        (pdf(), "pdf"),
        (odf(), "odp"),
        (odf("application/vnd.oasis.opendocument.text"), "odt"),
        (odf("application/vnd.oasis.opendocument.spreadsheet"), "ods"),
        (ooxml(), "pptx"),
        (ooxml("word/document.xml"), "docx"),
        (ooxml("xl/workbook.xml"), "xlsx"),
        (png(), "png"),
    ],
    ids=["pdf", "odp", "odt", "ods", "pptx", "docx", "xlsx", "png"],
)
def test_accepted_documents(data, kind):
    assert document_kind(data) == kind


def _zip(**entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4\n1 0 obj << >> endobj\n",  # a cut PDF: no %%EOF
        pdf()[:-200],
        b"%PDF-9.9\n%%EOF\n",
        b"GIF89a" + b"\x00" * 50,
        b"PK\x03\x04" + b"\x00" * 100,  # a broken ZIP
        _zip(**{"readme.txt": "just a zip"}),
        odf("application/x-evil"),
        odf(stored=False),  # mimetype compressed: not an OpenDocument package
        _zip(**{"[Content_Types].xml": "<Types/>", "other/part.xml": "<x/>"}),
        png()[:40],
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    ],
    ids=[
        "empty",
        "html",
        "pdf-no-eof",
        "pdf-truncated",
        "pdf-version",
        "gif",
        "broken-zip",
        "plain-zip",
        "odf-unknown-type",
        "odf-deflated-mimetype",
        "ooxml-no-main-part",
        "png-truncated",
        "png-header-only",
    ],
)
def test_look_alikes_are_refused(data):
    with pytest.raises(UnsupportedMedia) as refused:
        document_kind(data)
    assert (refused.value.status, refused.value.code) == (415, "unsupported_document")
