from django.apps import AppConfig


class EditingConfig(AppConfig):
    name = "api.editing"
    label = "editing"
    default_auto_field = "django.db.models.BigAutoField"
