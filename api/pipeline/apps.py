from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """No models: the app only wires the pipeline into the encoding backends."""

    name = "api.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        # imported once the apps are ready (the services reach the models), not for a cycle
        from api.encoding.backends import set_failure_handler
        from api.pipeline.services import encoding_job_lost

        # a job the backend could not run (worker lost, cluster refused it) fails its video
        set_failure_handler(encoding_job_lost)
