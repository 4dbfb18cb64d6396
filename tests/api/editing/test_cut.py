"""A video's cut over HTTP: set, read (with the ranges it keeps), clear; every bad cut
refused with its stable code, nothing stored; the cut goes into the next EncodingJob's
spec, and a new source makes it void."""

from __future__ import annotations

import pytest

from api.editing.models import VideoEdit
from api.editing.selectors import edit_spec_for
from api.videos.models import Video
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user) -> Video:
    """A ready video whose 10 s source was probed by its encoding."""
    video = make_video(user)
    video.source_name = f"{video.storage_prefix}source/lecture.mp4"
    video.manifest = {**video.manifest, "source": {"duration": 10.0}}
    video.save()
    return video


def cut_url(video) -> str:
    return f"/api/v1/videos/{video.id}/cut"


def test_set_read_and_clear_a_cut(alice, video):
    body = {
        "trim": {"start": 1, "end": 9},
        "remove": [{"start": 6, "end": 7}, {"start": 2, "end": 3}],
    }
    response = alice.put(cut_url(video), body, content_type="application/json")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["trim"] == {"start": 1.0, "end": 9.0}
    assert data["remove"] == [{"start": 2.0, "end": 3.0}, {"start": 6.0, "end": 7.0}]
    assert data["kept"] == [
        {"start": 1.0, "end": 2.0},
        {"start": 3.0, "end": 6.0},
        {"start": 7.0, "end": 9.0},
    ]
    assert data["duration"] == 6.0 and data["source_duration"] == 10.0
    assert alice.get(cut_url(video)).json()["data"] == data

    spec = edit_spec_for(video=video)
    assert spec.trim.start == 1 and spec.trim.end == 9
    assert [(s.start, s.end) for s in spec.remove] == [(2, 3), (6, 7)]

    assert alice.delete(cut_url(video)).status_code == 204
    cleared = alice.get(cut_url(video)).json()["data"]
    assert cleared["trim"] is None and cleared["remove"] == [] and cleared["duration"] == 10.0
    assert edit_spec_for(video=video) is None


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"trim": {"start": 1, "end": 12}}, "cut_out_of_range", "trim.end"),
        ({"trim": {"start": 11}}, "cut_out_of_range", "trim.start"),
        ({"remove": [{"start": 9, "end": 10.5}]}, "cut_out_of_range", "remove.0.end"),
        (
            {"remove": [{"start": 1, "end": 4}, {"start": 3, "end": 5}]},
            "cut_overlap",
            "remove.1",
        ),
        ({"trim": {"start": 2, "end": 2.3}}, "cut_empty", None),
        ({"trim": {"start": 0, "end": 5}, "remove": [{"start": 0, "end": 5}]}, "cut_empty", None),
        ({"trim": {"start": 5, "end": 4}}, "validation_error", "trim.end"),
        ({"remove": [{"start": 3, "end": 3}]}, "validation_error", "remove.0.end"),
        ({"trim": {"start": -1}}, "validation_error", None),
        ({"remove": [{"start": 0, "end": 1}] * 65}, "validation_error", None),
    ],
)
def test_bad_cuts_are_refused_and_store_nothing(alice, video, body, code, field):
    response = alice.put(cut_url(video), body, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == code
    if field is not None:
        assert error["field"] == field
    assert not VideoEdit.objects.filter(video=video).exists()


def test_a_video_never_encoded_has_no_duration_to_cut(alice, user):
    video = make_video(user, status="processing")
    response = alice.put(cut_url(video), {"trim": {"start": 1}}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_state"


def test_a_new_source_voids_the_cut(alice, video):
    alice.put(cut_url(video), {"trim": {"start": 1}}, content_type="application/json")
    Video.objects.filter(pk=video.pk).update(source_name=f"{video.storage_prefix}source/new.mp4")
    video.refresh_from_db()
    assert edit_spec_for(video=video) is None
    assert alice.get(cut_url(video)).json()["data"]["trim"] is None
