from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "api.editorial"
    label = "editorial"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # imports in ready(): the app registry is populated only now
        from api.editorial.services import video_editorial_resolve, video_type_resolve
        from api.videos import editorial

        # the resolvers of a video's editorial fields (videos define, editorial provides)
        editorial.register(fields=video_editorial_resolve, type=video_type_resolve)
