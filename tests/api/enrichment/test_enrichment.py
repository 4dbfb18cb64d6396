"""Contributors, links, documents, private notes and the resume position through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.enrichment.models import Contributor, Document, Link, Note
from tests.api.enrichment.files import pdf
from tests.api.factories import make_video
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user):
    return make_video(user)


def data(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()["data"]


def error(response, status):
    assert response.status_code == status, response.content
    return response.json()["errors"][0]


def test_contributors_are_added_changed_listed_and_removed(alice, anon, video):
    path = f"/api/v1/videos/{video.id}/contributors"
    speaker = data(
        alice.post_json(
            path,
            {"name": "Ada Lovelace", "role": "speaker", "weblink": "https://example.org/ada"},
        ),
        201,
    )
    assert speaker == {
        "id": speaker["id"],
        "name": "Ada Lovelace",
        "role": "speaker",
        "email": "",
        "weblink": "https://example.org/ada",
    }
    director = data(
        alice.post_json(path, {"name": "Alan", "role": "director", "email": "a@example.org"}), 201
    )
    changed = data(alice.patch_json(f"{path}/{director['id']}", {"role": "voice-over"}))
    assert (changed["role"], changed["email"]) == ("voice-over", "a@example.org")
    assert [c["name"] for c in data(anon.get(path))] == ["Ada Lovelace", "Alan"]
    assert alice.delete(f"{path}/{speaker['id']}").status_code == 204
    assert [c["role"] for c in data(anon.get(path))] == ["voice-over"]
    assert alice.delete(f"{path}/{speaker['id']}").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "role": "janitor"}, "role"),
        ({"name": "", "role": "author"}, "name"),
        ({"name": "X\x00", "role": "author"}, "name"),
        ({"name": "X", "role": "author", "weblink": "javascript:alert(1)"}, "weblink"),
        ({"name": "X", "role": "author", "weblink": "ftp://example.org/"}, "weblink"),
        ({"name": "X", "role": "author", "email": "not an address"}, "email"),
        ({"name": "X" * 201, "role": "author"}, "name"),
    ],
)
def test_bad_contributors_are_refused(alice, video, body, field):
    response = alice.post_json(f"/api/v1/videos/{video.id}/contributors", body)
    assert error(response, 422)["field"] == field
    assert not Contributor.objects.exists()


def test_links_take_http_and_https_urls_only(alice, anon, video):
    path = f"/api/v1/videos/{video.id}/links"
    link = data(alice.post_json(path, {"title": "Course page", "url": "https://u.example/c"}), 201)
    assert data(anon.get(path)) == [
        {"id": link["id"], "title": "Course page", "url": "https://u.example/c"}
    ]
    for url in (
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://u.example/",
        "https://",
        "not a url",
        "http://exa mple.org/",
        "",
    ):
        response = alice.post_json(path, {"title": "Bad", "url": url})
        assert error(response, 422)["field"] == "url", url
    assert error(alice.patch_json(f"{path}/{link['id']}", {"url": "file:///etc"}), 422)
    changed = data(alice.patch_json(f"{path}/{link['id']}", {"url": "http://u.example/d"}))
    assert changed == {"id": link["id"], "title": "Course page", "url": "http://u.example/d"}
    assert alice.delete(f"{path}/{link['id']}").status_code == 204
    assert data(anon.get(path)) == []


def test_a_video_holds_at_most_100_contributors_links_and_documents(alice, video):
    Contributor.objects.bulk_create(
        [Contributor(video=video, name=f"P{n}", role="author") for n in range(100)]
    )
    Link.objects.bulk_create(
        [Link(video=video, title=f"L{n}", url="https://u.example/") for n in range(100)]
    )
    path = f"/api/v1/videos/{video.id}"
    refused = alice.post_json(f"{path}/contributors", {"name": "One more", "role": "author"})
    assert error(refused, 409)["code"] == "too_many_items"
    refused = alice.post_json(f"{path}/links", {"title": "One more", "url": "https://u.example/"})
    assert error(refused, 409)["code"] == "too_many_items"
    assert Contributor.objects.count() == Link.objects.count() == 100


def upload(client, video, body: bytes, *, title="Slides", name="slides.pdf"):
    fields = {"file": SimpleUploadedFile(name, body, content_type="application/pdf")}
    return client.post(f"/api/v1/videos/{video.id}/documents", {**fields, "title": title})


def stored_documents(media_root: Path, video) -> list[Path]:
    folder = media_root / video.storage_prefix / "documents"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_documents_are_checked_stored_renamed_and_deleted(
    alice, video, _media_root, django_capture_on_commit_callbacks
):
    document = data(upload(alice, video, pdf(), name="evil.exe"), 201)
    assert (document["title"], document["kind"], document["size"]) == ("Slides", "pdf", len(pdf()))
    files = stored_documents(_media_root, video)
    assert [f.suffix for f in files] == [".pdf"]  # named after its content, not the upload
    assert files[0].read_bytes() == pdf()
    renamed = data(
        alice.patch_json(
            f"/api/v1/videos/{video.id}/documents/{document['id']}", {"title": "Handout"}
        )
    )
    assert renamed["title"] == "Handout" and renamed["url"] == document["url"]
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.delete(f"/api/v1/videos/{video.id}/documents/{document['id']}")
    assert response.status_code == 204
    assert stored_documents(_media_root, video) == [] and not Document.objects.exists()


def test_what_is_not_a_document_is_refused_and_nothing_is_stored(
    alice, video, settings, _media_root
):
    html = b"<html><script>document.cookie</script></html>"
    refused = error(upload(alice, video, html, name="slides.pdf"), 415)
    assert (refused["code"], refused["field"]) == ("unsupported_document", "file")
    settings.DOCUMENT_MAX_SIZE = 100
    assert error(upload(alice, video, pdf()), 413)["code"] == "payload_too_large"
    assert error(upload(alice, video, pdf(), title=""), 422)["field"] == "title"
    assert stored_documents(_media_root, video) == [] and not Document.objects.exists()


def test_enrichment_gathers_everything_for_viewers(alice, anon, video):
    alice.post_json(f"/api/v1/videos/{video.id}/contributors", {"name": "Ada", "role": "author"})
    alice.post_json(f"/api/v1/videos/{video.id}/links", {"title": "T", "url": "https://u.example"})
    data(upload(alice, video, pdf()), 201)
    everything = data(anon.get(f"/api/v1/videos/{video.id}/enrichment"))
    assert [c["name"] for c in everything["contributors"]] == ["Ada"]
    assert [link["url"] for link in everything["links"]] == ["https://u.example"]
    assert [d["kind"] for d in everything["documents"]] == ["pdf"]


def test_notes_are_private_to_their_author(alice, user, other_user, staff_user, video):
    path = f"/api/v1/videos/{video.id}/notes"
    bob, staff = ApiClient(other_user), ApiClient(staff_user)
    late = data(alice.post_json(path, {"position": 3.5, "text": "Proof here"}), 201)
    early = data(alice.post_json(path, {"position": 0.5, "text": "Intro\nskip"}), 201)
    data(bob.post_json(path, {"position": 1, "text": "Bob's own"}), 201)
    mine = data(alice.get(path))
    assert [(n["position"], n["text"]) for n in mine["items"]] == [
        (0.5, "Intro\nskip"),
        (3.5, "Proof here"),
    ]
    assert [n["text"] for n in data(bob.get(path))["items"]] == ["Bob's own"]
    assert data(staff.get(path))["items"] == []  # staff too: notes are nobody else's
    for client in (bob, staff):
        assert error(client.patch_json(f"{path}/{late['id']}", {"text": "x"}), 404)
        assert client.delete(f"{path}/{late['id']}").status_code == 404
    changed = data(alice.patch_json(f"{path}/{early['id']}", {"position": 1.25}))
    assert (changed["position"], changed["text"]) == (1.25, "Intro\nskip")
    assert alice.delete(f"{path}/{late['id']}").status_code == 204
    assert Note.objects.filter(author=user).count() == 1
    assert ApiClient().get(path).status_code == 401


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"position": 4.5, "text": "after the end"}, 422, "position_out_of_range", "position"),
        ({"position": -1, "text": "before"}, 422, "validation_error", "position"),
        ({"position": 1, "text": ""}, 422, "validation_error", "text"),
        ({"position": 1, "text": "x" * 5001}, 422, "validation_error", "text"),
        ({"position": 1, "text": "nul\x00"}, 422, "validation_error", "text"),
    ],
)
def test_bad_notes_are_refused(alice, video, body, status, code, field):
    refused = error(alice.post_json(f"/api/v1/videos/{video.id}/notes", body), status)
    assert (refused["code"], refused.get("field")) == (code, field)
    assert not Note.objects.exists()


def test_notes_follow_the_video_out_of_sight(other_user, user):
    private = make_video(user, visibility="private")
    bob = ApiClient(other_user)
    response = bob.post_json(f"/api/v1/videos/{private.id}/notes", {"position": 1, "text": "x"})
    assert response.status_code == 404 and not Note.objects.exists()
    assert bob.get(f"/api/v1/videos/{private.id}/notes").status_code == 404


def test_the_resume_position_is_kept_per_user_and_cleared_near_the_end(alice, other_user, video):
    path = f"/api/v1/videos/{video.id}/resume"
    assert data(alice.get(path)) == {"position": None, "updated_at": None}
    saved = data(alice.put(path, {"position": 2.5}, content_type="application/json"))
    assert saved["position"] == 2.5 and saved["updated_at"]
    assert data(ApiClient(other_user).get(path))["position"] is None  # Bob's is his own
    assert data(alice.get(path))["position"] == 2.5
    # a 4 s video: the last tenth (0.4 s) is "the end"
    assert data(alice.put(path, {"position": 3.7}, content_type="application/json")) == {
        "position": None,
        "updated_at": None,
    }
    data(alice.put(path, {"position": 1}, content_type="application/json"))
    assert alice.delete(path).status_code == 204
    assert data(alice.get(path))["position"] is None
    refused = error(alice.put(path, {"position": 9}, content_type="application/json"), 422)
    assert refused["code"] == "position_out_of_range"
    assert (
        ApiClient().put(path, {"position": 1}, content_type="application/json").status_code == 401
    )
