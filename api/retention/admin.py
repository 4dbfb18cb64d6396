from django.contrib import admin

from api.retention.models import RetentionNotice, VideoRetention


@admin.register(VideoRetention)
class VideoRetentionAdmin(admin.ModelAdmin):
    list_display = ("video", "deletion_date", "state", "archived_at", "warned_days")
    list_filter = ("state",)
    search_fields = ("video__title", "video__id")
    raw_id_fields = ("video",)


@admin.register(RetentionNotice)
class RetentionNoticeAdmin(admin.ModelAdmin):
    list_display = ("video", "recipient", "deletion_date", "days_before", "sent_at")
    raw_id_fields = ("video", "recipient")
