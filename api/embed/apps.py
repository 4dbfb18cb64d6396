from django.apps import AppConfig


class EmbedConfig(AppConfig):
    name = "api.embed"
    label = "embed"
    default_auto_field = "django.db.models.BigAutoField"
