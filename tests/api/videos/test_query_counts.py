"""List endpoints run a constant number of queries, whatever the page holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.accounts.models import AccessGroup
from api.encoding.models import EncodingJob
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


def _videos(owner, co_owner, group, count, visibility):
    """Videos with everything a list item shows: owners, groups, an encoding job."""
    for i in range(count):
        video = make_video(
            owner, title=f"v{i}", visibility=visibility, groups=[group], co_owners=[co_owner]
        )
        EncodingJob.objects.create(video=video, backend="local", spec={})


@pytest.mark.parametrize(
    ("path", "actor", "visibility"),
    [
        ("/api/v1/videos?limit=50", "owner", "restricted"),  # owned videos
        ("/api/v1/videos?limit=50", "co_owner", "password"),  # co-owned videos
        ("/api/v1/catalog/videos?limit=50", "anonymous", "public"),
    ],
)
def test_list_queries_do_not_grow_with_the_page(
    path, actor, visibility, user, other_user, client_for, django_assert_num_queries
):
    group = AccessGroup.objects.create(code_name="g", display_name="G")
    client = client_for({"owner": user, "co_owner": other_user}.get(actor))
    _videos(user, other_user, group, 1, visibility)
    with CaptureQueriesContext(connection) as one:
        response = client.get(path)
    assert response.status_code == 200 and response.json()["data"]["count"] == 1
    _videos(user, other_user, group, 9, visibility)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(path)
    assert len(response.json()["data"]["items"]) == 10
