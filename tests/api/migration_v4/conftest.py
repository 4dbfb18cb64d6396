"""A V4 database per test, cloned from one seeded template (PostgreSQL only: the import
reads V4's PostgreSQL database; on SQLite these tests skip, and CI runs PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from tests.conftest import make_clip

from .v4_fixture import V4Data, create_database, drop_database, seed


@pytest.fixture(scope="session")
def v4_template(tmp_path_factory, django_db_blocker):
    """A seeded V4 database (1000 videos) used as a template, and its media folder."""
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("the V4 import reads a PostgreSQL database (scripts/with-postgres.sh)")
    root = tmp_path_factory.mktemp("v4")
    media = root / "media"
    media.mkdir()
    clip = make_clip(root / "clip.mp4", seconds=1.0, size="160x120")
    name = f"v4_template_{uuid.uuid4().hex[:8]}"
    # unblocked for the setup and the teardown only: a yield inside unblock() would leave
    # the database open to every test of the session after this one
    with django_db_blocker.unblock():
        data = seed(create_database(name), media, clip)
    yield name, data
    with django_db_blocker.unblock():
        drop_database(name)


@pytest.fixture
def v4(v4_template, django_db_blocker) -> V4Data:
    """A fresh copy of the seeded V4 database for one test."""
    template, data = v4_template
    name = f"v4_{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        url = create_database(name, template=template)
    yield V4Data(
        url=url, media_root=data.media_root, videos=data.videos, real_sources=data.real_sources
    )
    with django_db_blocker.unblock():
        drop_database(name)
