"""oEmbed 1.0 (https://oembed.com/): the ``video`` response of a public video's page
URL, sizes within maxwidth/maxheight, 404 for anything else, 501 for XML."""

from __future__ import annotations

import re

import pytest

from api.videos.models import Video
from tests.api.factories import make_video

RENDITIONS = [
    {"name": "360p", "width": 480, "height": 360},
    {"name": "720p", "width": 960, "height": 720},
]


def _four_three(owner, **kwargs) -> Video:
    """A ready public video whose renditions are 4:3 (960x720 at most)."""
    video = make_video(owner, title="Lab <demo> & co", **kwargs)
    video.manifest["hls"]["renditions"] = RENDITIONS
    video.save(update_fields=["manifest"])
    return video


def _oembed(client, url, **params):
    return client.get("/api/v1/oembed", {"url": url, **params})


@pytest.mark.django_db
def test_public_video(anon, user):
    user.first_name, user.last_name = "Alice", "Martin"
    user.save()
    video = _four_three(user)
    response = _oembed(anon, f"http://testserver/embed/{video.id}", format="json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()  # the bare object of the spec, not the envelope
    assert data["version"] == "1.0" and data["type"] == "video"
    assert data["title"] == "Lab <demo> & co"
    assert data["author_name"] == "Alice Martin"
    assert data["provider_name"] == "Pod"
    assert (data["width"], data["height"]) == (640, 480)
    src = f"http://testserver/embed/{video.id}"
    assert re.fullmatch(
        rf'<iframe src="{src}" width="640" height="480" title="Lab &lt;demo&gt; &amp; co" .*'
        r"allowfullscreen></iframe>",
        data["html"],
    )
    assert data["thumbnail_url"] == f"http://testserver/media/{video.output_prefix}poster.jpg"
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (960, 720)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"maxwidth": "320"}, (320, 240)),
        ({"maxheight": "300"}, (400, 300)),
        ({"maxwidth": "320", "maxheight": "120"}, (160, 120)),
        ({"maxwidth": "4000"}, (640, 480)),
        ({"maxwidth": "1"}, (1, 1)),
    ],
)
def test_sizes_respect_maxwidth_and_maxheight(anon, user, params, size):
    video = _four_three(user)
    data = _oembed(anon, f"http://testserver/embed/{video.id}", **params).json()
    assert (data["width"], data["height"]) == size
    assert f'width="{size[0]}" height="{size[1]}"' in data["html"]


@pytest.mark.django_db
def test_front_end_video_page(anon, user, settings):
    settings.FRONTEND_VIDEO_URL = "https://pod.univ.test/video/{id}"
    video = make_video(user)
    for url in (
        f"https://pod.univ.test/video/{video.id}",
        f"https://pod.univ.test/video/{video.id}/?t=30#comments",
    ):
        data = _oembed(anon, url).json()
        assert data["type"] == "video" and (data["width"], data["height"]) == (640, 360)
        assert "thumbnail_url" not in data  # the poster's size is not known: no thumbnail
    assert _oembed(anon, f"https://evil.test/video/{video.id}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind", ["unlisted", "private", "restricted", "password", "draft", "processing"]
)
def test_non_public_videos_answer_404(anon, staff_user, client_for, user, kind):
    kwargs = {
        "draft": {"is_draft": True},
        "processing": {"status": "processing"},
        "password": {"visibility": "password", "password": "pw-1234"},
    }.get(kind, {"visibility": kind})
    video = make_video(user, **kwargs)
    for client in (anon, client_for(staff_user), client_for(user)):  # the same for everyone
        response = _oembed(client, f"http://testserver/embed/{video.id}")
        assert response.status_code == 404
        assert response.json()["errors"][0] == {
            "code": "not_found",
            "message": "No public video at this URL.",
            "field": "url",
        }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/embed/00000000-0000-0000-0000-000000000000",
        "http://testserver/videos/whatever",
        "not a url",
        "http://[::1",
        "javascript:alert(1)",
    ],
)
def test_urls_we_do_not_answer(anon, url):
    assert _oembed(anon, url).status_code == 404


@pytest.mark.django_db
def test_xml_is_not_implemented(anon, user):
    video = make_video(user)
    response = _oembed(anon, f"http://testserver/embed/{video.id}", format="xml")
    assert response.status_code == 501
    assert response.json()["errors"][0]["code"] == "oembed_format_unsupported"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "url"),
        ({"url": " "}, "url"),
        ({"url": "http://testserver/embed/x" + "a" * 3000}, "url"),
        ({"url": "http://testserver/embed/x", "maxwidth": "-5"}, "maxwidth"),
        ({"url": "http://testserver/embed/x", "maxheight": "abc"}, "maxheight"),
        ({"url": "http://testserver/embed/x", "maxwidth": "0"}, "maxwidth"),
        ({"url": "http://testserver/embed/x", "maxwidth": "9" * 50}, "maxwidth"),
    ],
)
def test_bad_parameters(anon, params, field):
    response = anon.get("/api/v1/oembed", params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.django_db
def test_only_get(anon):
    assert anon.post("/api/v1/oembed").status_code == 405
