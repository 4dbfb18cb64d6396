"""Permission matrix of the enrichment endpoints: endpoint × actor × video → expected
answer, one test per cell, on the actors and videos of the video matrix
(``tests/api/videos/test_access_matrix.py``: ``uploader`` owns none of these videos,
``coowner`` is an additional owner of them all, ``password``'s password is ``letmein``,
sent without a grant unless the row says so).

Endpoints (under /videos/{id}/): ``read`` GET enrichment; ``read+g`` the same with the
video's ``X-Video-Grant``; ``contrib`` POST contributors; ``link`` POST links; ``doc``
POST documents (a PDF); ``edit`` PATCH a contributor there is; ``remove`` DELETE a link
there is; ``note`` POST notes; ``note+g`` with the grant; ``resume`` PUT resume.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.enrichment.models import Contributor, Link
from api.videos.grants import grant_issue
from tests.api.enrichment.files import pdf
from tests.api.videos.test_access_matrix import world  # noqa: F401 - the shared fixture
from tests.conftest import ApiClient

TABLE = """
endpoint actor     public private password
read     anonymous 200    404     404
read     viewer    200    404     404
read     uploader  200    404     404
read     owner     200    200     200
read     coowner   200    200     200
read     staff     200    200     200
read+g   anonymous 200    404     200
read+g   viewer    200    404     200
contrib  anonymous 401    401     401
contrib  viewer    403    404     404
contrib  uploader  403    404     404
contrib  owner     201    201     201
contrib  coowner   201    201     201
contrib  staff     201    201     201
link     anonymous 401    401     401
link     viewer    403    404     404
link     owner     201    201     201
link     coowner   201    201     201
link     staff     201    201     201
doc      anonymous 401    401     401
doc      viewer    403    404     404
doc      uploader  403    404     404
doc      owner     201    201     201
doc      coowner   201    201     201
doc      staff     201    201     201
edit     anonymous 401    401     401
edit     viewer    403    404     404
edit     coowner   200    200     200
edit     staff     200    200     200
remove   anonymous 401    401     401
remove   viewer    403    404     404
remove   owner     204    204     204
remove   staff     204    204     204
note     anonymous 401    401     401
note     viewer    201    404     404
note     uploader  201    404     404
note     owner     201    201     201
note     staff     201    201     201
note+g   viewer    201    404     201
resume   anonymous 401    401     401
resume   viewer    200    404     404
resume   owner     200    200     200
resume   coowner   200    200     200
"""


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for endpoint, actor, *cells in rows:
        for column, expected in zip(header[2:], cells, strict=True):
            yield pytest.param(endpoint, actor, column, expected, id=f"{endpoint}-{actor}-{column}")


def _answer(endpoint: str, client: ApiClient, video) -> int:
    path = f"/api/v1/videos/{video.id}"
    grant = {}
    if endpoint.endswith("+g"):
        token, _ = grant_issue(video_id=video.id, password_version=video.password_version)
        grant = {"HTTP_X_VIDEO_GRANT": token}
    if endpoint.startswith("read"):
        return client.get(f"{path}/enrichment", **grant).status_code
    if endpoint == "contrib":
        return client.post_json(f"{path}/contributors", {"name": "A", "role": "author"}).status_code
    if endpoint == "link":
        body = {"title": "T", "url": "https://u.example/"}
        return client.post_json(f"{path}/links", body).status_code
    if endpoint == "doc":
        upload = SimpleUploadedFile("s.pdf", pdf())
        return client.post(f"{path}/documents", {"file": upload, "title": "S"}).status_code
    if endpoint == "edit":
        contributor = Contributor.objects.create(video=video, name="A", role="author")
        body = {"role": "speaker"}
        return client.patch_json(f"{path}/contributors/{contributor.pk}", body).status_code
    if endpoint == "remove":
        link = Link.objects.create(video=video, title="T", url="https://u.example/")
        return client.delete(f"{path}/links/{link.pk}").status_code
    if endpoint.startswith("note"):
        body = {"position": 1, "text": "n"}
        return client.post_json(f"{path}/notes", body, **grant).status_code
    return client.put(
        f"{path}/resume", {"position": 1}, content_type="application/json"
    ).status_code


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint, actor, column, expected", list(_cases()))
def test_matrix(world, endpoint, actor, column, expected):  # noqa: F811
    client = ApiClient(world["users"].get(actor))
    assert str(_answer(endpoint, client, world["videos"][column])) == expected
