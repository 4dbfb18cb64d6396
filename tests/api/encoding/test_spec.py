"""The EncodingJob spec the API builds carries the rate control of ENCODING_RATE_CONTROL."""

import uuid

import pytest

from api.encoding.services import build_spec
from api.videos.models import Video


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["CappedCRF", "Fixed"])
def test_spec_takes_the_configured_rate_control(settings, user, mode):
    settings.ENCODING_RATE_CONTROL = mode
    video = Video.objects.create(owner=user, title="t", source_name=f"videos/{uuid.uuid4()}/s.mp4")
    spec = build_spec(job_id=uuid.uuid4(), video=video)
    assert spec.rate_control == mode
    assert spec.to_wire()["rateControl"] == mode
