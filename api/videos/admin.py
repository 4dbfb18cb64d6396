from django.contrib import admin

from api.videos.models import Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "visibility", "is_draft", "duration", "created_at")
    list_filter = ("status", "visibility", "is_draft", "licence", "type", "channels")
    search_fields = ("title", "description", "owner__username")
    filter_horizontal = (
        "additional_owners",
        "access_groups",
        "channels",
        "themes",
        "disciplines",
        "tags",
    )
    # the password is set through the API (hashed, with its version): never edited here
    exclude = ("password",)
    readonly_fields = ("id", "created_at", "updated_at", "manifest", "password_version")
