from django.apps import AppConfig


class MigrationV4Config(AppConfig):
    name = "api.migration_v4"
    label = "migration_v4"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Migration from Esup-Pod V4"
