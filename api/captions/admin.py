from django.contrib import admin

from api.captions.models import Chapter, Track


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("video", "lang", "kind", "label", "source_format", "size", "updated_at")
    list_filter = ("kind", "source_format")
    search_fields = ("video__title", "lang", "label")
    raw_id_fields = ("video",)
    # the file is uploaded through the API (checked, converted): never edited here
    readonly_fields = ("file_name", "source_format", "size")


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ("video", "start", "title")
    search_fields = ("video__title", "title")
    raw_id_fields = ("video",)
