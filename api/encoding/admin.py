from django.contrib import admin

from api.encoding.models import CallbackReceipt, EncodingJob


@admin.register(EncodingJob)
class EncodingJobAdmin(admin.ModelAdmin):
    list_display = ("id", "video", "backend", "phase", "progress", "reason", "created_at")
    list_filter = ("phase", "backend")
    readonly_fields = ("spec",)


@admin.register(CallbackReceipt)
class CallbackReceiptAdmin(admin.ModelAdmin):
    list_display = ("webhook_id", "event_type", "status_code", "received_at")
