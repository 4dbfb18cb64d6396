"""The database cache's table (``CACHE_BACKEND=database``), so ``migrate`` — the chart's
migration hook — is all a deployment runs. With another cache backend it does nothing;
switching to ``database`` later needs ``manage.py createcachetable`` (idempotent)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
