from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from api.accounts.models import AccessGroup, User


@admin.register(User)
class PodUserAdmin(UserAdmin):
    list_display = ("username", "email", "affiliation", "establishment", "can_upload", "is_staff")
    list_filter = (*UserAdmin.list_filter, "can_upload", "affiliation")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Pod", {"fields": ("affiliation", "establishment", "can_upload", "quota_bytes")}),
    )


@admin.register(AccessGroup)
class AccessGroupAdmin(admin.ModelAdmin):
    list_display = ("code_name", "display_name", "auto_sync")
    list_filter = ("auto_sync",)
    search_fields = ("code_name", "display_name")
    filter_horizontal = ("members",)
