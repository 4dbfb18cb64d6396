from django.contrib import admin

from api.social.models import Comment, VideoStats


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "video", "author", "parent", "is_deleted", "created_at", "edited_at")
    list_filter = ("is_deleted",)
    search_fields = ("text", "author__username", "video__title")
    raw_id_fields = ("video", "author", "parent", "root")


@admin.register(VideoStats)
class VideoStatsAdmin(admin.ModelAdmin):
    list_display = ("video", "views", "likes", "dislikes")
    raw_id_fields = ("video",)
    # counters change only through api.social.services (F() updates)
    readonly_fields = ("views", "likes", "dislikes")
