"""The LMS and embedding settings refuse values that would fail at the first launch."""

import pytest

from tests.api.test_settings import load_settings


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LTI_LAUNCH_REDIRECT_URL": "https://front.test/lti"}, "LTI_LAUNCH_REDIRECT_URL"),
        ({"LTI_LAUNCH_REDIRECT_URL": "front.test/{id}"}, "LTI_LAUNCH_REDIRECT_URL"),
        ({"LTI_LAUNCH_REDIRECT_URL": "https://f.test/{id}/{page}"}, "LTI_LAUNCH_REDIRECT_URL"),
        ({"FRONTEND_VIDEO_URL": "https://front.test/video/"}, "FRONTEND_VIDEO_URL"),
        (
            {"EMBED_TOKEN_DEFAULT_SECONDS": "7200", "EMBED_TOKEN_MAX_SECONDS": "3600"},
            "EMBED_TOKEN_DEFAULT_SECONDS",
        ),
        ({"LTI_HTTP_TIMEOUT_SECONDS": "0"}, "LTI_HTTP_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values_stop_the_start(tmp_path, env, message):
    result = load_settings(tmp_path, DEBUG="1", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_values(tmp_path):
    result = load_settings(
        tmp_path,
        code="print(s.LTI_LAUNCH_REDIRECT_URL.format(kind='video', id='1'))",
        DEBUG="1",
        LTI_LAUNCH_REDIRECT_URL="https://front.test/lti/{kind}/{id}",
        FRONTEND_VIDEO_URL="https://front.test/video/{id}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://front.test/lti/video/1"
