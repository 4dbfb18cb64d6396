from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    name = "api.enrichment"
    label = "enrichment"
    default_auto_field = "django.db.models.BigAutoField"
