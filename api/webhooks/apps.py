from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "api.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from django.core.signals import request_started

        # imported once the apps are ready (they reach the models)
        from api.events.services import register_consumer, register_listener
        from api.webhooks import sender
        from api.webhooks.services import deliveries_create

        # each recorded event gets its deliveries in the same transaction (the outbox)
        register_consumer(deliveries_create)
        # the in-process sender (WEBHOOK_SENDER): started by the first request, woken
        # by each event this process records
        register_listener(sender.wake)
        request_started.connect(sender.ensure_started, dispatch_uid="webhook-sender")
