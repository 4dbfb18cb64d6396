"""``GET /videos/{id}/dublin-core``: the DC elements of a rich video as JSON and as an
oai_dc XML record (format parameter or Accept), with the video's visibility rules."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from api.editorial.models import Discipline
from api.videos.models import Video

pytestmark = pytest.mark.django_db

DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"


@pytest.fixture
def rich(feed_video, user, other_user, settings):
    settings.DUBLIN_CORE_PUBLISHER = "Université Exemple"
    user.first_name, user.last_name = "Alice", "Martin"
    user.save()
    physics = Discipline.objects.create(title="Physics", slug="physics")
    video = feed_video(
        user,
        title="Quantum optics",
        day=14,
        description="Photons & beam splitters.",
        disciplines=[physics],
        tags=["Entanglement", "lasers"],
        licence="cc-by-sa",
        co_owners=[other_user],
    )
    manifest = dict(video.manifest)
    manifest["hls"] = {
        **manifest["hls"],
        "audio": [
            {"name": "a-en", "language": "en", "default": False},
            {"name": "a-fr", "language": "fr", "default": True},
        ],
    }
    Video.objects.filter(pk=video.pk).update(manifest=manifest)
    return video


def test_dublin_core_of_a_rich_video(rich, anon):
    response = anon.get(f"/api/v1/videos/{rich.id}/dublin-core")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "title": "Quantum optics",
        "creator": ["Alice Martin"],
        "subject": ["Physics", "Entanglement", "lasers"],
        "description": "Photons & beam splitters.",
        "publisher": "Université Exemple",
        "contributor": ["bob"],
        "date": "2030-01-14",
        "type": "MovingImage",
        "format": "video/mp4",
        "identifier": f"http://testserver/api/v1/videos/{rich.id}",
        "language": "fr",
        "rights": "Attribution-ShareAlike 4.0 International (CC BY-SA 4.0) "
        "https://creativecommons.org/licenses/by-sa/4.0/",
    }


@pytest.mark.parametrize(
    ("query", "accept"),
    [("?format=xml", "application/json"), ("", "application/xml"), ("", "text/xml, */*")],
)
def test_oai_dc_xml(rich, anon, settings, query, accept):
    settings.VIDEO_PAGE_URL = "https://pod.univ.example/video/{id}/"
    response = anon.get(f"/api/v1/videos/{rich.id}/dublin-core{query}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{OAI_DC}dc"

    def texts(name):
        return [e.text for e in root.findall(f"{DC}{name}")]

    assert texts("title") == ["Quantum optics"]
    assert texts("subject") == ["Physics", "Entanglement", "lasers"]
    assert texts("contributor") == ["bob"]
    assert texts("type") == ["MovingImage"]
    assert texts("identifier") == [f"https://pod.univ.example/video/{rich.id}/"]
    assert texts("publisher") == ["Université Exemple"]
    assert texts("description") == ["Photons & beam splitters."]


def test_json_is_the_default(rich, anon):
    response = anon.get(f"/api/v1/videos/{rich.id}/dublin-core", HTTP_ACCEPT="*/*")
    assert response["Content-Type"].startswith("application/json")
    response = anon.get(f"/api/v1/videos/{rich.id}/dublin-core?format=json",
                        HTTP_ACCEPT="application/xml")  # fmt: skip
    assert response.json()["data"]["title"] == "Quantum optics"


def test_audio_only_is_sound(feed_video, user, anon):
    video = feed_video(user, title="Podcast", day=2, audio=True)
    data = anon.get(f"/api/v1/videos/{video.id}/dublin-core").json()["data"]
    assert data["type"] == "Sound" and data["format"] == "audio/mp4"
    assert data["language"] is None and data["contributor"] == []
    assert data["rights"] == "All rights reserved"


@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_hidden_videos_are_404(feed_video, user, other_user, client_for, anon, visibility):
    from api.accounts.models import AccessGroup

    group = AccessGroup.objects.create(code_name="staff-only", display_name="Staff")
    video = feed_video(user, title="Internal", day=3, visibility=visibility, groups=[group])
    url = f"/api/v1/videos/{video.id}/dublin-core"
    for client in (anon, client_for(other_user)):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
        assert client.get(url + "?format=xml").status_code == 404
    assert client_for(user).get(url).json()["data"]["title"] == "Internal"


def test_bad_format_is_422(rich, anon):
    response = anon.get(f"/api/v1/videos/{rich.id}/dublin-core?format=pdf")
    assert response.status_code == 422
