from django.contrib import admin

from api.lti.models import LtiPlatform, LtiResourceLink, LtiUser


@admin.register(LtiPlatform)
class LtiPlatformAdmin(admin.ModelAdmin):
    """Registrations; a new one made here gets its tool key pair from
    :func:`api.lti.services.platform_create` (the API), so create them through the API."""

    list_display = ("title", "issuer", "client_id", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("title", "issuer", "client_id")
    readonly_fields = ("tool_key_id", "tool_public_key", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(LtiUser)
class LtiUserAdmin(admin.ModelAdmin):
    list_display = ("platform", "sub", "user", "last_launch_at")
    raw_id_fields = ("user",)


@admin.register(LtiResourceLink)
class LtiResourceLinkAdmin(admin.ModelAdmin):
    list_display = ("platform", "resource_link_id", "title", "video", "playlist", "updated_at")
    raw_id_fields = ("video", "playlist")
