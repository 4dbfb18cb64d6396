"""Resource link launches end to end: a simulated LTI 1.3 platform (its own key, its JWKS
over HTTP) drives the OIDC login initiation and the signed form-post launch against the
tool in Django's live server, with a browser that keeps cookies."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import httpx

from api.accounts.models import AccessGroup, User
from api.editorial.models import Playlist, PlaylistItem
from api.lti.models import LtiUser
from api.lti.services import context_group_code
from tests.api.factories import make_video
from tests.api.lti.platform import COURSE, INSTRUCTOR, error_code

CONFIG = re.compile(r'<script id="pod-player-config" type="application/json">(.*?)</script>', re.S)


def player_configs(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert "text/html" in response.headers["content-type"]
    return json.loads(CONFIG.search(response.text)[1])


def lti_user(platform, sub: str) -> User:
    return LtiUser.objects.get(platform=platform.registration, sub=sub).user


def test_learner_launch_shows_the_video_and_signs_in(platform, user):
    video = make_video(user, title="Thermodynamics")
    with platform.browser() as browser:
        response = platform.full_launch(browser, sub="s-1", custom={"video": str(video.id)})
        [config] = player_configs(response)
        assert video.output_prefix in config["hls"]["url"]
        assert f'data-video="{video.id}"' in response.text
        assert "x-frame-options" not in response.headers  # the LMS shows it in an iframe
        # the launch opened a session: the same browser is that user for the API
        me = browser.get(f"{platform.tool_url}/api/v1/users/me").json()["data"]
    learner = lti_user(platform, "s-1")
    assert me["username"] == learner.username == f"lti{platform.registration.pk}-s-1"
    assert (learner.email, learner.first_name, learner.last_name) == (
        "s-1@moodle.test",
        "Ada",
        "Lovelace",
    )
    assert not learner.can_upload and not learner.is_staff and not learner.has_usable_password()
    code_name = context_group_code(platform.registration, "course-42")
    group = AccessGroup.objects.get(code_name=code_name)
    assert group.display_name == "Physics 101 (Moodle)"
    assert list(group.members.all()) == [learner]


def test_instructor_may_upload_and_joins_the_course(platform, user):
    video = make_video(user)
    with platform.browser() as browser:
        custom = {"video": str(video.id)}
        player_configs(platform.full_launch(browser, sub="t-1", roles=INSTRUCTOR, custom=custom))
    teacher = lti_user(platform, "t-1")
    assert teacher.can_upload and not teacher.is_staff
    assert teacher.access_groups.get().code_name == context_group_code(
        platform.registration, COURSE["id"]
    )


def test_second_launch_updates_the_same_user(platform, user):
    video = make_video(user)
    with platform.browser() as browser:
        platform.full_launch(browser, sub="s-2", custom={"video": str(video.id)})
        platform.full_launch(
            browser, sub="s-2", custom={"video": str(video.id)}, email="new@moodle.test"
        )
    assert LtiUser.objects.filter(sub="s-2").count() == 1
    assert lti_user(platform, "s-2").email == "new@moodle.test"


def test_restricted_video_is_for_the_course_members_only(platform, user):
    course = AccessGroup.objects.create(
        code_name=context_group_code(platform.registration, "course-42"), display_name="Course"
    )
    video = make_video(user, visibility="restricted", groups=[course])
    custom = {"video": str(video.id)}
    with platform.browser() as browser:
        player_configs(platform.full_launch(browser, sub="s-3", custom=custom))
    other_course = {"id": "course-7", "title": "Chemistry"}
    with platform.browser() as browser:
        response = platform.full_launch(browser, sub="s-4", custom=custom, context=other_course)
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_private_video_is_not_shown(platform, user):
    video = make_video(user, visibility="private")
    with platform.browser() as browser:
        response = platform.full_launch(browser, custom={"video": str(video.id)})
    assert response.status_code == 404


def test_redirect_to_the_front_end_with_a_one_time_code(platform, user, settings):
    settings.LTI_LAUNCH_REDIRECT_URL = "https://pod.univ.test/lti/{kind}/{id}"
    video = make_video(user, visibility="unlisted")
    with platform.browser() as browser:
        response = platform.full_launch(browser, sub="s-5", custom={"video": str(video.id)})
    assert response.status_code == 302
    url, _, fragment = response.headers["location"].partition("#")
    assert url == f"https://pod.univ.test/lti/video/{video.id}"
    code = parse_qs(fragment)["lti_code"][0]  # as URLSearchParams reads it
    api = httpx.Client(base_url=platform.tool_url, timeout=30)
    pair = api.post("/api/v1/lti/session-token", json={"code": code}).json()["data"]
    me = api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {pair['access']}"})
    assert me.json()["data"]["username"] == lti_user(platform, "s-5").username
    again = api.post("/api/v1/lti/session-token", json={"code": code})
    assert again.status_code == 401 and error_code(again) == "lti_invalid_code"
    forged = api.post("/api/v1/lti/session-token", json={"code": code[:-2] + "xx"})
    assert forged.status_code == 401 and error_code(forged) == "lti_invalid_code"


def test_playlist_launch_shows_its_videos(platform, user):
    first, second = make_video(user, title="Part 1"), make_video(user, title="Part 2")
    hidden = make_video(user, title="Secret", visibility="private")
    playlist = Playlist.objects.create(owner=user, title="Course", visibility="unlisted")
    for position, video in enumerate([first, hidden, second]):
        PlaylistItem.objects.create(playlist=playlist, video=video, position=position)
    with platform.browser() as browser:
        response = platform.full_launch(browser, custom={"playlist": str(playlist.id)})
    configs = player_configs(response)
    assert len(configs) == 2  # the private video is left out for a learner
    shown = re.findall(r'data-video="([0-9a-f-]+)"', response.text)
    assert shown == [str(first.id), str(second.id)]


def test_the_link_remembers_its_video(platform, user):
    video = make_video(user)
    with platform.browser() as browser:
        custom = {"video": str(video.id)}
        player_configs(platform.full_launch(browser, custom=custom, link_id="rl-9"))
        # the teacher's custom parameters are gone: the link still shows the video
        [config] = player_configs(platform.full_launch(browser, link_id="rl-9"))
    assert video.output_prefix in config["hls"]["url"]


def test_a_link_without_target_is_refused(platform):
    with platform.browser() as browser:
        response = platform.full_launch(browser, link_id="rl-new")
        assert response.status_code == 409 and error_code(response) == "lti_link_not_configured"
        bad = platform.full_launch(browser, custom={"video": "not-an-id"})
    assert bad.status_code == 422 and error_code(bad) == "lti_invalid_message"


def test_tool_jwks_lists_the_registration_key(platform):
    jwks = httpx.get(f"{platform.tool_url}/lti/jwks/").json()
    assert [key["kid"] for key in jwks["keys"]] == [platform.registration.tool_key_id]
    assert {"n", "e", "kty"} <= set(jwks["keys"][0]) and "d" not in jwks["keys"][0]
