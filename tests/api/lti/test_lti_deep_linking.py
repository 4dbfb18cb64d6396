"""Deep linking end to end: a teacher's LtiDeepLinkingRequest opens the content picker,
the choice comes back as a signed LtiDeepLinkingResponse the platform verifies with the
tool's JWKS (fetched over HTTP), and the link it creates launches the video."""

from __future__ import annotations

import html
import re

import httpx
import jwt
import pytest

from api.accounts.models import AccessGroup
from api.lti.models import LtiUser
from api.lti.services import context_group_code
from tests.api.factories import make_video
from tests.api.lti.platform import CLAIM, DL_CLAIM, INSTRUCTOR, error_code

DEEP_LINKING = "LtiDeepLinkingRequest"


def _field(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page)[1])


def _picker(platform, browser, *, sub="t-1", roles=INSTRUCTOR) -> httpx.Response:
    return platform.full_launch(browser, sub=sub, roles=roles, message_type=DEEP_LINKING)


def _platform_verifies(platform, response_jwt: str) -> dict:
    """What the platform does with the response: the tool's key from its JWKS URL."""
    jwks = jwt.PyJWKSet.from_dict(httpx.get(f"{platform.tool_url}/lti/jwks/").json())
    kid = jwt.get_unverified_header(response_jwt)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    return jwt.decode(
        response_jwt,
        key.key,
        algorithms=["RS256"],
        audience=platform.issuer,
        issuer=platform.client_id,
    )


def test_teacher_picks_a_video_and_the_course_plays_it(platform, user, other_user):
    lecture = make_video(user, title="Lecture on entropy")
    make_video(other_user, title="Someone's private draft", visibility="private")
    with platform.browser() as browser:
        picker = _picker(platform, browser)
        assert picker.status_code == 200, picker.text
        assert "Lecture on entropy" in picker.text
        assert "private draft" not in picker.text
        token = _field(picker.text, "token")
        response = browser.post(
            f"{platform.tool_url}/lti/deep-link/", data={"token": token, "video": str(lecture.id)}
        )
        assert response.status_code == 200, response.text
        assert f'action="{platform.return_url}"' in html.unescape(response.text)
        claims = _platform_verifies(platform, _field(response.text, "JWT"))
        again = browser.post(
            f"{platform.tool_url}/lti/deep-link/", data={"token": token, "video": str(lecture.id)}
        )
        assert again.status_code == 403 and error_code(again) == "lti_invalid_deep_link"
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == platform.deployment_id
    assert claims[DL_CLAIM + "data"] == "moodle-opaque-42"
    [item] = claims[DL_CLAIM + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Lecture on entropy"
    assert item["url"] == f"{platform.tool_url}/lti/launch/"
    assert item["custom"] == {"video": str(lecture.id)}
    # the platform creates the link with those custom parameters: a learner launches it
    with platform.browser() as browser:
        launched = platform.full_launch(browser, sub="s-1", custom=item["custom"], link_id="new")
    assert launched.status_code == 200 and f'data-video="{lecture.id}"' in launched.text


def test_picking_a_restricted_video_shares_it_with_the_course(platform):
    with platform.browser() as browser:
        picker = _picker(platform, browser, sub="t-2")
        teacher = LtiUser.objects.get(sub="t-2").user
        assert teacher.can_upload
        # the teacher's own restricted video (uploaded after their first launch)
        staff_room = AccessGroup.objects.create(code_name="staff-room", display_name="Staff")
        video = make_video(
            teacher, title="Exam correction", visibility="restricted", groups=[staff_room]
        )
        picker = browser.get(
            f"{platform.tool_url}/lti/deep-link/",
            params={"token": _field(picker.text, "token"), "q": "exam"},
        )
        assert "Exam correction" in picker.text
        response = browser.post(
            f"{platform.tool_url}/lti/deep-link/",
            data={"token": _field(picker.text, "token"), "video": str(video.id)},
        )
        item = _platform_verifies(platform, _field(response.text, "JWT"))[
            DL_CLAIM + "content_items"
        ][0]
    course = context_group_code(platform.registration, "course-42")
    assert set(video.access_groups.values_list("code_name", flat=True)) == {"staff-room", course}
    with platform.browser() as browser:
        launched = platform.full_launch(browser, sub="s-9", custom=item["custom"])
    assert launched.status_code == 200 and f'data-video="{video.id}"' in launched.text


def test_learners_cannot_pick(platform):
    with platform.browser() as browser:
        response = _picker(platform, browser, sub="s-1", roles=["Learner"])
    assert response.status_code == 403 and error_code(response) == "permission_denied"


def test_a_video_the_teacher_cannot_see_is_refused(platform, other_user):
    hidden = make_video(other_user, visibility="private")
    with platform.browser() as browser:
        token = _field(_picker(platform, browser).text, "token")
        response = browser.post(
            f"{platform.tool_url}/lti/deep-link/", data={"token": token, "video": str(hidden.id)}
        )
    assert response.status_code == 404 and error_code(response) == "not_found"


@pytest.mark.parametrize("token", ["", "forged", "eyJwIjoxfQ:1u:abc"])
def test_bad_picker_tokens(platform, user, token):
    video = make_video(user)
    response = httpx.post(
        f"{platform.tool_url}/lti/deep-link/", data={"token": token, "video": str(video.id)}
    )
    assert response.status_code == 403 and error_code(response) == "lti_invalid_deep_link"


def test_expired_picker_token(platform, user, settings):
    video = make_video(user)
    with platform.browser() as browser:
        token = _field(_picker(platform, browser).text, "token")
    settings.LTI_DEEP_LINK_SECONDS = -1  # every token is older than that
    response = httpx.post(
        f"{platform.tool_url}/lti/deep-link/", data={"token": token, "video": str(video.id)}
    )
    assert response.status_code == 403 and error_code(response) == "lti_invalid_deep_link"


def test_no_video_chosen(platform):
    with platform.browser() as browser:
        token = _field(_picker(platform, browser).text, "token")
        response = browser.post(f"{platform.tool_url}/lti/deep-link/", data={"token": token})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "video"
