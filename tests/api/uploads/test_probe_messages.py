"""The 415 of an upload that is not media, and the video's ``error.message``, say what is
wrong with the file, never where the server keeps it (the spool path of the upload)."""

import pytest

from api.videos.models import Video
from tests.api.uploads.test_bad_media import png_bytes, upload_all

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "data",
    [b"hello world\n" * 100, b"\x1a\x45\xdf\xa3" + bytes(4000), png_bytes()[:40]],
    ids=["text", "broken-matroska", "cut-png"],
)
def test_a_non_media_upload_names_no_server_path(tus, video, settings, data):
    response = upload_all(tus, video["id"], data)
    assert response.status_code == 415, response.content
    message = response.json()["errors"][0]["message"]
    stored = Video.objects.get(id=video["id"]).error_message
    for text in (message, stored):
        assert text
        for leak in (str(settings.UPLOAD_SPOOL_DIR), str(settings.MEDIA_ROOT), ".part", "/"):
            assert leak not in text, text
