from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "api.live"
    label = "live"

    def ready(self) -> None:
        from django.core.signals import request_started

        # imported once the apps are ready: the scheduler imports the services and models
        from api.live import scheduler

        # the in-server scheduler (LIVE_BACKEND=local): started by the first request
        request_started.connect(scheduler.ensure_started, dispatch_uid="live-scheduler")
