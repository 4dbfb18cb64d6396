"""A PDF attached to a video and fetched back over real HTTP (Django's live server, httpx):
served with the video's access rules. A private video's document opens only through its
tokened URL, which only those who may see the video get; a public video's has a plain,
cacheable URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.enrichment.files import pdf
from tests.api.factories import make_video
from tests.conftest import bearer


@pytest.fixture
def server(live_server, transactional_db):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def _attach(server, user, video, body: bytes, name: str = "slides.pdf") -> httpx.Response:
    return server.post(
        f"/api/v1/videos/{video.id}/documents",
        headers={"Authorization": bearer(user)},
        data={"title": "Week 1 slides"},
        files={"file": (name, body, "application/octet-stream")},
    )


def test_a_private_videos_pdf_opens_with_its_token_only(server, user, other_user):
    video = make_video(user, visibility="private")
    body = pdf("Private slides")
    attached = _attach(server, user, video, body)
    assert attached.status_code == 201, attached.text
    document = attached.json()["data"]
    path = urlsplit(document["url"]).path
    assert path.startswith("/media/t/") and path.endswith(".pdf")

    fetched = server.get(path)  # no credentials: the token is the key
    assert fetched.status_code == 200 and fetched.content == body
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Cache-Control"].startswith("private")
    partial = server.get(path, headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206 and partial.content == b"%PDF-1.4"

    plain = "/media/" + path.split("/", 4)[4]  # the same file without the token
    assert server.get(plain).status_code == 404
    token = path.split("/")[3]
    forged = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    refused = server.get(forged)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "invalid_media_token"

    listing = f"/api/v1/videos/{video.id}/documents"
    assert server.get(listing).status_code == 404  # anonymous: no such video
    other = server.get(listing, headers={"Authorization": bearer(other_user)})
    assert other.status_code == 404
    owner = server.get(listing, headers={"Authorization": bearer(user)})
    assert [d["id"] for d in owner.json()["data"]] == [document["id"]]


def test_a_public_videos_pdf_has_a_plain_url_and_goes_with_its_deletion(server, user):
    video = make_video(user)
    attached = _attach(server, user, video, pdf())
    assert attached.status_code == 201, attached.text
    document = attached.json()["data"]
    path = urlsplit(document["url"]).path
    assert path.startswith(f"/media/videos/{video.id}/documents/")
    fetched = server.get(path)
    assert fetched.status_code == 200 and fetched.content == pdf()
    assert fetched.headers["Cache-Control"].startswith("public")

    deleted = server.delete(
        f"/api/v1/videos/{video.id}/documents/{document['id']}",
        headers={"Authorization": bearer(user)},
    )
    assert deleted.status_code == 204
    assert server.get(path).status_code == 404


def test_an_html_page_named_pdf_is_refused_over_http(server, user, _media_root):
    video = make_video(user)
    refused = _attach(server, user, video, b"<html><body>phish</body></html>", "slides.pdf")
    assert refused.status_code == 415
    assert refused.json()["errors"][0]["code"] == "unsupported_document"
    assert not (_media_root / video.storage_prefix / "documents").exists()
