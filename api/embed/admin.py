from django.contrib import admin

from api.embed.models import EmbedToken


@admin.register(EmbedToken)
class EmbedTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "video", "label", "created_by", "expires_at", "revoked_at")
    readonly_fields = ("token_hash", "created_at")
    raw_id_fields = ("video", "created_by")
