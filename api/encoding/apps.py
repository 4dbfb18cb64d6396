from django.apps import AppConfig


class EncodingConfig(AppConfig):
    name = "api.encoding"
    label = "encoding"
