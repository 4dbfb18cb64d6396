from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "api.events"
    label = "events"
