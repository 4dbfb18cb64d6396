from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "api.playback"
    label = "playback"
