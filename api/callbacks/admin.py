from django.contrib import admin

from api.callbacks.models import CallbackReceipt


@admin.register(CallbackReceipt)
class CallbackReceiptAdmin(admin.ModelAdmin):
    list_display = ("webhook_id", "event_type", "subject_id", "status_code", "received_at")
