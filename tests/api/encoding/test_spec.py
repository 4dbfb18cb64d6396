"""The EncodingJob spec the API builds carries the rate control of ENCODING_RATE_CONTROL
and the HDR option of ENCODING_KEEP_HDR."""

import uuid

import pytest

from api.encoding.services import build_spec
from api.videos.models import Video


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["PerTitle", "CappedCRF", "Fixed"])
def test_spec_takes_the_configured_rate_control(settings, user, mode):
    settings.ENCODING_RATE_CONTROL = mode
    video = Video.objects.create(owner=user, title="t", source_name=f"videos/{uuid.uuid4()}/s.mp4")
    spec = build_spec(job_id=uuid.uuid4(), video=video)
    assert spec.rate_control == mode
    assert spec.to_wire()["rateControl"] == mode


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [True, False])
def test_spec_keeps_hdr_when_encoding_keep_hdr(settings, user, keep):
    settings.ENCODING_KEEP_HDR = keep
    video = Video.objects.create(owner=user, title="t", source_name=f"videos/{uuid.uuid4()}/s.mp4")
    wire = build_spec(job_id=uuid.uuid4(), video=video).to_wire()
    # off: no `hdr` at all (a custom resource as before the option)
    assert wire.get("hdr") == ({"keep": True} if keep else None)
