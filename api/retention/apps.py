from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "api.retention"
    label = "retention"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_save

        # imported once the apps are ready: they import the models
        from api.retention import scheduler, services
        from api.videos.models import Video

        # every new video gets its deletion date (videos define, retention follows);
        # rows missing for any other reason are made by retention_tick
        post_save.connect(services.video_created, sender=Video, dispatch_uid="retention-init")
        # the in-server scheduler (RETENTION_SCHEDULER): started by the first request
        request_started.connect(scheduler.ensure_started, dispatch_uid="retention-scheduler")
