from django.contrib import admin

from api.apikeys.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "owner", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("prefix", "name", "owner__username")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
