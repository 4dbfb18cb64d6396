"""V4's old links: 301 to the new location for videos the import brought, 404 for
anything else; an unlisted video is never found by its guessable V4 id."""

from __future__ import annotations

import pytest

from api.migration_v4.models import Kind, V4Import
from api.videos.models import Video
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(user):
    """A private video imported from V4's video 42, with its source file recorded and,
    as the import gives it, V4's slug as its slug."""
    video = make_video(user, visibility="private", title="Ma leçon")
    Video.objects.filter(pk=video.pk).update(slug="0042-ma-lecon")
    video.refresh_from_db()
    V4Import.objects.create(
        kind=Kind.VIDEO,
        v4_id=42,
        target_id=str(video.pk),
        slug="0042-ma-lecon",
        data={"source": "videos/abc123/ma-lecon.mp4"},
    )
    return video


def api_url(video) -> str:
    return f"http://testserver/api/v1/videos/{video.pk}"


@pytest.mark.parametrize(
    "path",
    [
        "/video/0042-ma-lecon/",
        "/video/0042-an-older-title/",  # V4 reads the id, not the title
        "/video/0042/",
        "/video/42/",
        "/video/0042-ma-lecon/5e0a9c4b7d/",  # V4's private link
        "/video/0042-ma-lecon/?is_iframe=true",
    ],
)
def test_a_v4_video_url_moves_permanently(anon, imported, path):
    response = anon.get(path)
    assert response.status_code == 301
    assert response["Location"] == api_url(imported)


def test_the_target_checks_access_itself(anon, imported):
    # the video is private: following the redirect tells a stranger nothing more
    assert anon.get(anon.get("/video/0042/")["Location"]).status_code == 404


def test_the_front_ends_url_when_set(anon, imported, settings):
    settings.V4_REDIRECT_URL = "https://videos.example.edu/watch/{id}?from={v4_id}-{slug}"
    response = anon.get("/video/0042-ma-lecon/")
    assert response["Location"] == (
        f"https://videos.example.edu/watch/{imported.pk}?from=42-0042-ma-lecon"
    )


@pytest.mark.parametrize(
    "path",
    ["/video/0043-other/", "/video/43/", "/video/no-id-here/", "/video/" + "9" * 30 + "/"],
)
def test_unknown_videos_are_404_in_the_envelope(anon, imported, path):
    response = anon.get(path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_an_unlisted_video_is_not_found_by_its_v4_id(anon, imported):
    imported.visibility = "unlisted"
    imported.save()
    assert anon.get("/video/0042-ma-lecon/").status_code == 404
    assert (
        anon.post("/download/", {"filename": "videos/abc123/0042/video_42_720.mp4"}).status_code
        == 404
    )


def test_a_video_deleted_since_is_404(anon, imported):
    imported.delete()
    assert anon.get("/video/0042/").status_code == 404


def test_v4_download_links(anon, imported):
    # V4's download form posts the file's path under its MEDIA_ROOT
    encoded = anon.post("/download/", {"filename": "videos/abc123/0042/video_42_720.mp4"})
    assert (encoded.status_code, encoded["Location"]) == (301, api_url(imported))
    source = anon.get("/download/", {"filename": "videos/abc123/ma-lecon.mp4"})
    assert (source.status_code, source["Location"]) == (301, api_url(imported))
    for bad in ({"filename": "videos/abc123/0043/video_43_720.mp4"}, {"filename": ""}, {}):
        assert anon.post("/download/", bad).status_code == 404
    assert anon.get("/download/", {"filename": "x" * 2000}).status_code == 404
    assert anon.put("/download/").status_code == 405
    assert anon.post("/video/0042/").status_code == 405


def test_the_old_link_and_the_slug_lookup_agree(client_for, user, imported, settings):
    # a front end that links by slug: V4's link lands where the slug lookup answers
    settings.V4_REDIRECT_URL = "https://videos.example.edu/watch/{slug}"
    location = client_for(user).get("/video/0042-an-older-title/")["Location"]
    assert location == "https://videos.example.edu/watch/0042-ma-lecon"
    found = client_for(user).get("/api/v1/videos/by-slug/0042-ma-lecon")
    assert found.status_code == 200 and found.json()["data"]["id"] == str(imported.pk)
    assert found.json()["data"]["slug"] == "0042-ma-lecon"


def test_an_imported_slug_without_a_v4_id_is_found_exactly(anon, user):
    # V4 slugs start with the id, unless V4's column was edited by hand
    video = make_video(user, title="Spécial")
    Video.objects.filter(pk=video.pk).update(slug="special-edition")
    V4Import.objects.create(kind=Kind.VIDEO, v4_id=7, target_id=str(video.pk), slug="old-name")
    for path in ("/video/special-edition/", "/video/old-name/"):
        response = anon.get(path)
        assert (response.status_code, response["Location"]) == (301, api_url(video)), path


def test_a_video_made_here_has_no_v4_link(anon, user):
    # V4's URL shape is for what V4 published: a video made here is found by its slug
    # through the API only (``/video/2024-...`` would read as V4's video 2024)
    video = make_video(user, title="Rentrée")
    assert anon.get(f"/video/{video.slug}/").status_code == 404
    assert anon.get(f"/api/v1/videos/by-slug/{video.slug}").status_code == 200
