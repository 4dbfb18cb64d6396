from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "api.live"
    label = "live"
