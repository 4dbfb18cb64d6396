from django.db import migrations, models


class AddColumnInPlace(migrations.AddField):
    """``AddField`` that SQLite runs as a plain ``ALTER TABLE ... ADD COLUMN``: Django
    would rebuild the table there (a NOT NULL column with a default), and the rebuild
    recreates every index of the model, the PostgreSQL-only ``video_search`` included
    (see 0004), which SQLite cannot create."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        table, column = model._meta.db_table, field.column
        definition = field.db_type(schema_editor.connection)
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} ADD COLUMN "
            f"{schema_editor.quote_name(column)} {definition} NOT NULL DEFAULT ''"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} DROP COLUMN "
            f"{schema_editor.quote_name(self.name)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0004_video_editorial"),
    ]

    operations = [
        AddColumnInPlace(
            model_name="video",
            name="thumbnail_name",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
    ]
