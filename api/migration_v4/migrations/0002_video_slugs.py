"""Videos imported before ``Video.slug`` existed get their V4 slug (kept in their import
record) as their slug, as the import now gives new ones (``api.migration_v4.videos``).
A V4 slug already taken by another video is left alone: that video keeps the slug
``videos.0007_video_slug`` gave it (V4's links still find it by its V4 id)."""

import uuid

from django.db import migrations

#: import records read per batch
BATCH = 1000


def v4_slugs(apps, schema_editor):
    V4Import = apps.get_model("migration_v4", "V4Import")
    Video = apps.get_model("videos", "Video")
    rows = list(
        V4Import.objects.filter(kind="video").exclude(slug="").values_list("target_id", "slug")
    )
    for start in range(0, len(rows), BATCH):
        wanted = {uuid.UUID(target): slug for target, slug in rows[start : start + BATCH]}
        taken = set(
            Video.objects.filter(slug__in=list(wanted.values()))
            .exclude(pk__in=list(wanted))
            .values_list("slug", flat=True)
        )
        videos = list(Video.objects.filter(pk__in=list(wanted)).only("pk", "slug"))
        for video in videos:
            if wanted[video.pk] not in taken:
                video.slug = wanted[video.pk]
        Video.objects.bulk_update(videos, ["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("migration_v4", "0001_v4_import"),
        ("videos", "0007_video_slug"),
    ]

    operations = [
        migrations.RunPython(v4_slugs, migrations.RunPython.noop),
    ]
