from django.apps import AppConfig


class CaptionsConfig(AppConfig):
    name = "api.captions"
    label = "captions"
    default_auto_field = "django.db.models.BigAutoField"
