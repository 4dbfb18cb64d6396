"""Real documents made at test time: a one-page PDF written by hand (header, objects, a
cross-reference table, trailer, ``%%EOF``), OpenDocument and Office Open XML packages
made with ``zipfile`` the way office suites lay them out, and a PNG from ffmpeg."""

from __future__ import annotations

import io
import subprocess
import zipfile

from tests.conftest import FFMPEG


def pdf(text: str = "Slides") -> bytes:
    """A valid one-page PDF 1.4 showing ``text``."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def odf(mimetype: str = "application/vnd.oasis.opendocument.presentation", *, stored=True):
    """An OpenDocument package: ``mimetype`` first (stored, as ODF requires), then the
    manifest and the content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=method)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def ooxml(main_part: str = "ppt/presentation.xml") -> bytes:
    """An Office Open XML package with its content types and ``main_part``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main_part, '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def png() -> bytes:
    """A 64x48 PNG of ffmpeg's test pattern."""
    return subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1"]
        + ["-f", "image2pipe", "-c:v", "png", "-"],
        capture_output=True,
        check=True,
    ).stdout
