from django.contrib import admin

from api.videos.models import Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "duration", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "description", "owner__username")
    readonly_fields = ("id", "created_at", "updated_at", "manifest")
