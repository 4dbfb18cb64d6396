from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "api.uploads"
    label = "uploads"
