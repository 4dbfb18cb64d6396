"""Permission matrix of the social, caption and chapter endpoints: endpoint × actor ×
video → expected answer, one test per cell, on the actors and videos of the video
matrix (``tests/api/videos/test_access_matrix.py``: ``uploader`` is another uploader,
``password``'s password is ``letmein``, sent without a grant unless the row says so).

Endpoints (all under /videos/{id}/): ``comments`` GET comments; ``comment`` POST one;
``comment+g`` the same with the video's ``X-Video-Grant``; ``edit`` / ``remove`` PATCH
/ DELETE a comment the ``coowner`` wrote; ``close`` PATCH comment-settings; ``react``
PUT reactions; ``view`` POST views; ``tracks`` GET tracks; ``track`` POST a WebVTT
file; ``chapters`` GET chapters; ``chapter`` POST one.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.social.models import Comment
from api.videos.grants import grant_issue
from tests.api.videos.test_access_matrix import world  # noqa: F401 - the shared fixture
from tests.conftest import ApiClient

TABLE = """
endpoint  actor     public private password
comments  anonymous 200    404     404
comments  viewer    200    404     404
comments  uploader  200    404     404
comments  owner     200    200     200
comments  staff     200    200     200
comment   anonymous 401    401     401
comment   viewer    201    404     404
comment   uploader  201    404     404
comment   owner     201    201     201
comment   staff     201    201     201
comment+g anonymous 401    401     401
comment+g viewer    201    404     201
comment+g uploader  201    404     201
comment+g owner     201    201     201
edit      anonymous 401    401     401
edit      viewer    403    404     404
edit      uploader  403    404     404
edit      owner     403    403     403
edit      staff     403    403     403
remove    anonymous 401    401     401
remove    viewer    403    404     404
remove    uploader  403    404     404
remove    owner     204    204     204
remove    staff     204    204     204
close     anonymous 401    401     401
close     viewer    403    404     404
close     uploader  403    404     404
close     owner     200    200     200
close     staff     200    200     200
react     anonymous 401    401     401
react     viewer    200    404     404
react     uploader  200    404     404
react     owner     200    200     200
react     staff     200    200     200
view      anonymous 200    404     404
view      viewer    200    404     404
view      uploader  200    404     404
view      owner     200    200     200
view      staff     200    200     200
tracks    anonymous 200    404     404
tracks    viewer    200    404     404
tracks    owner     200    200     200
track     anonymous 401    401     401
track     viewer    403    404     404
track     uploader  403    404     404
track     owner     201    201     201
track     staff     201    201     201
chapters  anonymous 200    404     404
chapters  uploader  200    404     404
chapters  owner     200    200     200
chapter   anonymous 401    401     401
chapter   viewer    403    404     404
chapter   uploader  403    404     404
chapter   owner     201    201     201
chapter   staff     201    201     201
"""

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n"


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for endpoint, actor, *cells in rows:
        for video, expected in zip(header[2:], cells, strict=True):
            yield pytest.param(endpoint, actor, video, expected, id=f"{endpoint}-{actor}-{video}")


def _answer(endpoint: str, client: ApiClient, video, coowner) -> int:
    base = f"/api/v1/videos/{video.id}"
    if endpoint == "comments":
        return client.get(f"{base}/comments").status_code
    if endpoint in ("comment", "comment+g"):
        extra = {}
        if endpoint == "comment+g":
            grant, _ = grant_issue(video_id=video.id, password_version=video.password_version)
            extra["HTTP_X_VIDEO_GRANT"] = grant
        return client.post_json(f"{base}/comments", {"text": "hello"}, **extra).status_code
    if endpoint in ("edit", "remove"):
        comment = Comment.objects.create(video=video, author=coowner, text="mine")
        path = f"{base}/comments/{comment.id}"
        if endpoint == "edit":
            return client.patch_json(path, {"text": "changed"}).status_code
        return client.delete(path).status_code
    if endpoint == "close":
        return client.patch_json(f"{base}/comment-settings", {"allow_comments": False}).status_code
    if endpoint == "react":
        return client.put(f"{base}/reactions", {"kind": "like"}, "application/json").status_code
    if endpoint == "view":
        return client.post(f"{base}/views").status_code
    if endpoint in ("tracks", "chapters"):
        return client.get(f"{base}/{endpoint}").status_code
    if endpoint == "track":
        fields = {"file": SimpleUploadedFile("t.vtt", VTT), "lang": "fr", "kind": "captions"}
        return client.post(f"{base}/tracks", fields).status_code
    if endpoint == "chapter":
        return client.post_json(f"{base}/chapters", {"title": "Intro", "start": 1}).status_code
    raise AssertionError(endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "actor", "video", "expected"), list(_cases()))
def test_matrix(world, endpoint, actor, video, expected):  # noqa: F811 - the fixture
    users = world["users"]
    client = ApiClient(users.get(actor))
    answer = _answer(endpoint, client, world["videos"][video], users["coowner"])
    assert str(answer) == expected
