from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "api.videos"
    label = "videos"

    def ready(self) -> None:
        # the quota's usage counts the bytes stored for the videos a user owns
        # (accounts sits below videos: it gets the count through this registration)
        from api.accounts.quotas import register_usage
        from api.videos.selectors import stored_bytes_of_owners

        register_usage("videos", stored_bytes_of_owners)
