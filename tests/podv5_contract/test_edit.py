"""The cut arithmetic the API and the worker share (``podv5_contract.edit``)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from podv5_contract.edit import EditError, EditSpec, Span, Trim, check_cut, kept_ranges
from podv5_contract.spec import EncodingJobSpec


def test_kept_ranges_are_trim_minus_removed_segments():
    remove = [Span(start=6, end=7), Span(start=0, end=2), Span(start=8.5, end=20)]
    assert kept_ranges(duration=10, trim=Trim(start=1, end=9), remove=remove) == [
        (2, 6),
        (7, 8.5),
    ]
    assert kept_ranges(duration=10) == [(0, 10)]
    assert kept_ranges(duration=10, trim=Trim(start=3)) == [(3, 10)]


@pytest.mark.parametrize(
    ("trim", "remove", "code", "field"),
    [
        (Trim(start=0, end=10.5), [], "cut_out_of_range", "trim.end"),
        (None, [Span(start=1, end=3), Span(start=2.5, end=4)], "cut_overlap", "remove.1"),
        (Trim(start=9.7), [], "cut_empty", None),
        (None, [Span(start=0, end=10)], "cut_empty", None),
    ],
)
def test_check_cut_errors(trim, remove, code, field):
    with pytest.raises(EditError) as caught:
        check_cut(duration=10, trim=trim, remove=remove)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_touching_segments_are_fine_and_the_spec_round_trips():
    spec = EditSpec(remove=[Span(start=1, end=2), Span(start=2, end=3)])
    assert check_cut(duration=10, remove=list(spec.remove)) == [(0, 1), (3, 10)]
    job = EncodingJobSpec.model_validate(
        {
            "jobId": "00000000-0000-0000-0000-000000000001",
            "videoId": "00000000-0000-0000-0000-000000000002",
            "source": "file:///m/s.mp4",
            "output": "file:///m/o/",
            "ladder": [{"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96}],
            "edit": {"trim": {"start": 1}, "watermark": {"image": "s3://b/w.png"}},
        }
    )
    assert job.edit.watermark.position == "top-right"
    assert EncodingJobSpec.model_validate(job.to_wire()) == job


@pytest.mark.parametrize(
    "edit",
    [
        {"remove": [{"start": 1, "end": 3}, {"start": 2, "end": 4}]},
        {"trim": {"start": 3, "end": 2}},
        {"watermark": {"image": "http://elsewhere/w.png"}},
        {"opening": "/etc/passwd"},
        {"watermark": {"image": "file:///w.png", "opacity": 2}},
    ],
)
def test_bad_edits_are_refused(edit):
    with pytest.raises(ValidationError):
        EditSpec.model_validate(edit)
