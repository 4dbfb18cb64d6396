"""``Video.slug``: added nullable, filled in for every existing video, then made unique
(and NOT NULL on PostgreSQL). Videos imported from V4 get their V4 slug in
``migration_v4.0002_video_slugs``, which runs after this one."""

from django.db import migrations, models

from api.videos.models import video_slug

#: rows written per UPDATE batch of the backfill
BATCH = 1000


def backfill_slugs(apps, schema_editor):
    """Every existing video gets the slug a new one would get (``video_slug``); the
    whole id's hex digits when the short form is taken."""
    Video = apps.get_model("videos", "Video")
    used: set[str] = set()
    batch = []
    for video in Video.objects.only("pk", "title").order_by("pk").iterator():
        slug = video_slug(video.title, video.pk)
        if slug in used:
            slug = video_slug(video.title, video.pk, suffix_length=32)
        used.add(slug)
        video.slug = slug
        batch.append(video)
        if len(batch) >= BATCH:
            Video.objects.bulk_update(batch, ["slug"])
            batch = []
    Video.objects.bulk_update(batch, ["slug"])


class MakeUnique(migrations.AlterField):
    """The column made NOT NULL and unique. PostgreSQL alters it in place. SQLite would
    rebuild the table, recreating every index of the model, the PostgreSQL-only
    ``video_search`` included (see 0004), which SQLite cannot create: there, a unique
    index is created instead, and the column stays nullable (every insert fills it:
    ``VideoSlugField``)."""

    SQLITE_INDEX = "videos_video_slug_uniq"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.execute(
            f"CREATE UNIQUE INDEX {schema_editor.quote_name(self.SQLITE_INDEX)} ON "
            f"{schema_editor.quote_name(model._meta.db_table)} "
            f"({schema_editor.quote_name(self.name)})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(self.SQLITE_INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0006_video_output_size"),
    ]

    operations = [
        # nullable: SQLite adds the column without rebuilding the table (see 0006)
        migrations.AddField(
            model_name="video",
            name="slug",
            field=models.CharField(editable=False, max_length=255, null=True),
        ),
        migrations.RunPython(backfill_slugs, migrations.RunPython.noop),
        MakeUnique(
            model_name="video",
            name="slug",
            field=models.CharField(editable=False, max_length=255, unique=True),
        ),
    ]
