"""videos 0007 gives every existing video a slug, then makes slugs unique (on SQLite too,
without rebuilding the table); migration_v4 0002 gives V4-imported videos their V4 slug
unless another video holds it already."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("videos", "0006_video_output_size"), ("migration_v4", "0001_v4_import")]


def _id(prefix: int, n: int) -> uuid.UUID:
    return uuid.UUID(int=(prefix << 96) | n)


@pytest.mark.django_db(transaction=True)
def test_existing_videos_get_slugs_and_imported_ones_their_v4_slug(user):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Video, V4Import = old.get_model("videos", "Video"), old.get_model("migration_v4", "V4Import")
    same = [Video.objects.create(owner_id=user.pk, title="Cours", id=_id(0x11, n)) for n in (1, 2)]
    other = Video.objects.create(owner_id=user.pk, title="Ёлка 🎄", id=_id(0x22, 1))
    imported = Video.objects.create(owner_id=user.pk, title="Ma leçon", id=_id(0x33, 1))
    V4Import.objects.create(
        kind="video", v4_id=42, target_id=str(imported.pk), slug="0042-ma-lecon"
    )
    # a video here whose slug comes out as an imported one's V4 slug: it keeps it
    holder = Video.objects.create(owner_id=user.pk, title="0043", id=_id(0xABCDEF01, 1))
    clash = Video.objects.create(owner_id=user.pk, title="Autre", id=_id(0x44, 1))
    V4Import.objects.create(kind="video", v4_id=43, target_id=str(clash.pk), slug="0043-abcdef01")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from api.videos.models import Video as Current

    slugs = dict(Current.objects.values_list("pk", "slug"))
    # the same short form for both: the second gets the whole id
    assert slugs[same[0].pk] == "cours-00000011"
    assert slugs[same[1].pk] == f"cours-{same[1].pk.hex}"
    assert slugs[other.pk] == "elka-00000022"
    assert slugs[imported.pk] == "0042-ma-lecon"
    assert slugs[holder.pk] == "0043-abcdef01"
    assert slugs[clash.pk] == "autre-00000044"
    # unique from now on, on every engine
    with pytest.raises(IntegrityError), transaction.atomic():
        Current.objects.filter(pk=clash.pk).update(slug="0042-ma-lecon")
