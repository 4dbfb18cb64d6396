from django.contrib import admin

from api.editorial.models import (
    Channel,
    Discipline,
    Favorite,
    Playlist,
    PlaylistItem,
    Tag,
    Theme,
    VideoType,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "visibility", "created_at")
    list_filter = ("visibility",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("owners", "members")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "channel", "parent")
    list_filter = ("channel",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Discipline, VideoType)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")


class PlaylistItemInline(admin.TabularInline):
    model = PlaylistItem
    raw_id_fields = ("video",)
    extra = 0


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "visibility", "created_at")
    list_filter = ("visibility",)
    search_fields = ("title", "owner__username")
    filter_horizontal = ("additional_owners", "access_groups")
    inlines = [PlaylistItemInline]


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ("user", "video", "position", "added_at")
    raw_id_fields = ("user", "video")
