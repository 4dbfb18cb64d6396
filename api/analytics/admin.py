from django.contrib import admin

from api.analytics.models import DailyVideoStats


@admin.register(DailyVideoStats)
class DailyVideoStatsAdmin(admin.ModelAdmin):
    list_display = ("video", "day", "sessions", "views", "watch_ms")
    list_filter = ("day",)
    raw_id_fields = ("video",)
