from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "api.live"
    label = "live"

    def ready(self) -> None:
        from django.core.signals import request_started

        from api.live import scheduler

        # the in-server scheduler (LIVE_BACKEND=local): started by the first request
        request_started.connect(scheduler.ensure_started, dispatch_uid="live-scheduler")
