from django.contrib import admin

from api.encoding.models import EncodingJob


@admin.register(EncodingJob)
class EncodingJobAdmin(admin.ModelAdmin):
    list_display = ("id", "video", "backend", "phase", "progress", "reason", "created_at")
    list_filter = ("phase", "backend")
    readonly_fields = ("spec",)
