from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "api.callbacks"
    label = "callbacks"

    def ready(self) -> None:
        # imported once the apps are ready (the handlers reach the models)
        from api.callbacks.registry import Handler, register
        from api.pipeline import handlers
        from podv5_contract.events import ENCODING_EVENTS, LIVE_EVENTS

        # explicit registration, one handler per event-type prefix: the pipeline owns
        # both (encoding.* moves jobs and videos; live.* moves live events and turns a
        # recording into a video)
        register(
            Handler(
                prefix="encoding.",
                types=ENCODING_EVENTS,
                subject=lambda data: data.job_id,
                apply=handlers.encoding_event,
            )
        )
        register(
            Handler(
                prefix="live.",
                types=LIVE_EVENTS,
                subject=lambda data: data.event_id,
                apply=handlers.live_event,
            )
        )
