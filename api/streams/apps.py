from django.apps import AppConfig


class StreamsConfig(AppConfig):
    name = "api.streams"
    label = "streams"
