"""Permission matrix of the editing, thumbnail, re-encode and job-history endpoints:
endpoint × actor × video → expected answer, one test per cell, on the actors and videos
of the video matrix (``tests/api/videos/test_access_matrix.py``: ``uploader`` is another
uploader, ``viewer`` has the viewer role, ``coowner`` is an additional owner with the
viewer role). Who may change a video may cut, dress, re-encode it and read its jobs;
those who only see it get 403, the others 404.

Video endpoints (under /videos/{id}/): ``cut`` GET, ``cut-set`` PUT, ``cut-del`` DELETE;
``dress`` GET dressing, ``dress-set`` PUT; ``thumb`` POST thumbnail, ``thumb-del``
DELETE; ``encode`` POST; ``jobs`` GET. Dressing endpoints (on a dressing of ``owner``):
``d-list`` GET /dressings, ``d-create`` POST, ``d-get`` / ``d-patch`` / ``d-del``,
``d-mark`` POST its watermark.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.editing.models import Dressing
from tests.api.editing.conftest import ffmpeg_image
from tests.api.videos.test_access_matrix import world  # noqa: F401 - the shared fixture
from tests.conftest import ApiClient

TABLE = """
endpoint  actor     public private
cut       anonymous 401    401
cut       viewer    403    404
cut       uploader  403    404
cut       owner     200    200
cut       coowner   200    200
cut       staff     200    200
cut-set   anonymous 401    401
cut-set   viewer    403    404
cut-set   uploader  403    404
cut-set   owner     200    200
cut-set   coowner   200    200
cut-set   staff     200    200
cut-del   anonymous 401    401
cut-del   uploader  403    404
cut-del   owner     204    204
cut-del   staff     204    204
dress     anonymous 401    401
dress     uploader  403    404
dress     owner     200    200
dress     coowner   200    200
dress-set anonymous 401    401
dress-set viewer    403    404
dress-set uploader  403    404
dress-set owner     200    200
dress-set coowner   200    200
dress-set staff     200    200
thumb     anonymous 401    401
thumb     viewer    403    404
thumb     uploader  403    404
thumb     owner     200    200
thumb     coowner   200    200
thumb     staff     200    200
thumb-del anonymous 401    401
thumb-del uploader  403    404
thumb-del owner     200    200
thumb-del staff     200    200
encode    anonymous 401    401
encode    viewer    403    404
encode    uploader  403    404
encode    owner     202    202
encode    coowner   202    202
encode    staff     202    202
jobs      anonymous 401    401
jobs      viewer    403    404
jobs      uploader  403    404
jobs      owner     200    200
jobs      coowner   200    200
jobs      staff     200    200
d-list    anonymous 401
d-list    viewer    200
d-list    owner     200
d-create  anonymous 401
d-create  viewer    403
d-create  coowner   403
d-create  uploader  201
d-create  owner     201
d-create  staff     201
d-get     anonymous 401
d-get     viewer    404
d-get     uploader  404
d-get     coowner   404
d-get     owner     200
d-get     staff     200
d-patch   anonymous 401
d-patch   uploader  404
d-patch   owner     200
d-patch   staff     200
d-del     anonymous 401
d-del     uploader  404
d-del     owner     204
d-del     staff     204
d-mark    anonymous 401
d-mark    uploader  404
d-mark    coowner   404
d-mark    owner     200
d-mark    staff     200
"""


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for endpoint, actor, *cells in rows:
        for video, expected in zip(header[2:], cells, strict=False):
            yield pytest.param(endpoint, actor, video, expected, id=f"{endpoint}-{actor}-{video}")


@pytest.fixture(scope="module")
def png(tmp_path_factory) -> bytes:
    return ffmpeg_image(tmp_path_factory.mktemp("matrix") / "mark.png")


def _video_answer(endpoint: str, client: ApiClient, video, png: bytes) -> int:
    # what the endpoints need from a real video: a source, probed by a first encoding
    video.source_name = f"{video.storage_prefix}source/lecture.mp4"
    video.manifest = {**video.manifest, "source": {"duration": 10.0}}
    video.save()
    base = f"/api/v1/videos/{video.id}"
    if endpoint == "cut":
        return client.get(f"{base}/cut").status_code
    if endpoint == "cut-set":
        return client.put(f"{base}/cut", {"trim": {"start": 1}}, "application/json").status_code
    if endpoint == "cut-del":
        return client.delete(f"{base}/cut").status_code
    if endpoint == "dress":
        return client.get(f"{base}/dressing").status_code
    if endpoint == "dress-set":
        return client.put(f"{base}/dressing", {"dressing": None}, "application/json").status_code
    if endpoint == "thumb":
        return client.post(
            f"{base}/thumbnail", {"file": SimpleUploadedFile("p.png", png)}
        ).status_code
    if endpoint == "thumb-del":
        return client.delete(f"{base}/thumbnail").status_code
    if endpoint == "encode":
        return client.post(f"{base}/encode").status_code
    if endpoint == "jobs":
        return client.get(f"{base}/jobs").status_code
    raise AssertionError(endpoint)


def _dressing_answer(endpoint: str, client: ApiClient, owner, png: bytes) -> int:
    dressing = Dressing.objects.create(owner=owner, title="Owner's")
    path = f"/api/v1/dressings/{dressing.id}"
    if endpoint == "d-list":
        return client.get("/api/v1/dressings").status_code
    if endpoint == "d-create":
        return client.post_json("/api/v1/dressings", {"title": "Mine"}).status_code
    if endpoint == "d-get":
        return client.get(path).status_code
    if endpoint == "d-patch":
        return client.patch_json(path, {"title": "Renamed"}).status_code
    if endpoint == "d-del":
        return client.delete(path).status_code
    if endpoint == "d-mark":
        return client.post(
            f"{path}/watermark", {"file": SimpleUploadedFile("m.png", png)}
        ).status_code
    raise AssertionError(endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "actor", "video", "expected"), list(_cases()))
def test_matrix(world, png, endpoint, actor, video, expected):  # noqa: F811 - the fixture
    users = world["users"]
    client = ApiClient(users.get(actor))
    if endpoint.startswith("d-"):
        answer = _dressing_answer(endpoint, client, users["owner"], png)
    else:
        answer = _video_answer(endpoint, client, world["videos"][video], png)
    assert str(answer) == expected
