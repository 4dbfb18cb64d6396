"""Editorial endpoints: thin handlers over ``services`` and ``selectors`` (who may do
what: ``api.editorial.selectors``). Mounted under ``/api/v1/``: ``/channels``,
``/themes``, ``/disciplines``, ``/types``, ``/tags``, ``/playlists`` and
``/users/me/favorites``."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router, Status

from api.accounts.auth import auth_optional, auth_required
from api.editorial import selectors, services
from api.editorial.models import Discipline, VideoType
from api.editorial.schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPage,
    ChannelPatch,
    CursorParams,
    ListedItemOut,
    ListedItemPage,
    ListedVideoIn,
    PlaylistIn,
    PlaylistOut,
    PlaylistPage,
    PlaylistParams,
    PlaylistPatch,
    TagParams,
    ThemeIn,
    ThemeOut,
    ThemeParams,
    ThemePatch,
    TitleListParams,
    VideoOrderIn,
    VocabularyIn,
    VocabularyOut,
    VocabularyPatch,
)
from api.videos.schemas import TagOut

channels_router = Router()
themes_router = Router()
disciplines_router = Router()
types_router = Router()
tags_router = Router()
playlists_router = Router()
favorites_router = Router()


# --- channels -----------------------------------------------------------------------


@channels_router.get("", response=ChannelPage, auth=auth_optional)
def list_channels(request, params: Query[TitleListParams]):
    """Channels you may see (public ones; private ones you own or belong to; staff:
    all), by title; cursor pagination."""
    return selectors.channel_list(user=request.auth, **params.dict())


@channels_router.post("", response={201: ChannelOut}, auth=auth_required)
def create_channel(request, payload: ChannelIn):
    """Create a channel (managers and admins: 403 otherwise; taken slug: 409
    ``slug_taken``)."""
    channel = services.channel_create(actor=request.auth, **payload.dict())
    return Status(201, selectors.channel_get(channel_id=channel.pk, user=request.auth))


@channels_router.get("/{int:channel_id}", response=ChannelOut, auth=auth_optional)
def get_channel(request, channel_id: int):
    """A channel you may see (404 otherwise)."""
    return selectors.channel_get(channel_id=channel_id, user=request.auth)


@channels_router.patch("/{int:channel_id}", response=ChannelOut, auth=auth_required)
def update_channel(request, channel_id: int, payload: ChannelPatch):
    """Change a channel (its owners and staff; ``owners``: staff only)."""
    channel = selectors.channel_get_editable(channel_id=channel_id, user=request.auth)
    services.channel_update(channel=channel, actor=request.auth, **payload.dict(exclude_unset=True))
    return selectors.channel_get(channel_id=channel_id, user=request.auth)


@channels_router.delete("/{int:channel_id}", response={204: None}, auth=auth_required)
def delete_channel(request, channel_id: int):
    """Delete a channel and its themes (staff); its videos stay."""
    channel = selectors.channel_get(channel_id=channel_id, user=request.auth)
    services.channel_delete(channel=channel, actor=request.auth)
    return Status(204, None)


# --- themes -------------------------------------------------------------------------


@themes_router.get("", response=list[ThemeOut], auth=auth_optional)
def list_themes(request, params: Query[ThemeParams]):
    """Themes of the channels you may see (``channel``: of one), each with its
    ``parent`` (the tree); not paginated (a channel has tens of themes)."""
    return selectors.theme_list(user=request.auth, channel=params.channel)


@themes_router.post("", response={201: ThemeOut}, auth=auth_required)
def create_theme(request, payload: ThemeIn):
    """Create a theme in a channel you own (staff: any): 404 for a channel you cannot
    see, 403 for one you may not change, 409 ``slug_taken``."""
    data = payload.dict()
    channel = selectors.channel_get_editable(channel_id=data.pop("channel"), user=request.auth)
    return Status(201, services.theme_create(channel=channel, **data))


@themes_router.patch("/{int:theme_id}", response=ThemeOut, auth=auth_required)
def update_theme(request, theme_id: int, payload: ThemePatch):
    """Change a theme (channel owners, staff); ``parent: null`` moves it to the top."""
    theme = selectors.theme_get_editable(theme_id=theme_id, user=request.auth)
    return services.theme_update(theme=theme, **payload.dict(exclude_unset=True))


@themes_router.delete("/{int:theme_id}", response={204: None}, auth=auth_required)
def delete_theme(request, theme_id: int):
    """Delete a theme and the themes under it (channel owners, staff)."""
    theme = selectors.theme_get_editable(theme_id=theme_id, user=request.auth)
    services.theme_delete(theme=theme)
    return Status(204, None)


# --- disciplines and types ----------------------------------------------------------


def _vocabulary_routes(router: Router, model, name: str) -> None:
    @router.get("", response=list[VocabularyOut], auth=None, operation_id=f"list_{name}")
    def list_all(request):
        """Everyone may read the list (by title; not paginated)."""
        return model.objects.order_by("title", "id")

    @router.post(
        "", response={201: VocabularyOut}, auth=auth_required, operation_id=f"create_{name}"
    )
    def create(request, payload: VocabularyIn):
        """Add one (managers and admins: 403 otherwise; 409 ``slug_taken``)."""
        obj = services.vocabulary_create(model=model, actor=request.auth, **payload.dict())
        return Status(201, obj)

    @router.patch(
        "/{int:obj_id}", response=VocabularyOut, auth=auth_required, operation_id=f"update_{name}"
    )
    def update(request, obj_id: int, payload: VocabularyPatch):
        """Change one (managers and admins)."""
        obj = selectors.vocabulary_get(model=model, obj_id=obj_id)
        changes = payload.dict(exclude_unset=True)
        return services.vocabulary_update(obj=obj, actor=request.auth, **changes)

    @router.delete(
        "/{int:obj_id}", response={204: None}, auth=auth_required, operation_id=f"delete_{name}"
    )
    def delete(request, obj_id: int):
        """Delete one (managers and admins); videos lose it."""
        obj = selectors.vocabulary_get(model=model, obj_id=obj_id)
        services.vocabulary_delete(obj=obj, actor=request.auth)
        return Status(204, None)


_vocabulary_routes(disciplines_router, Discipline, "discipline")
_vocabulary_routes(types_router, VideoType, "video_type")


@tags_router.get("", response=list[TagOut], auth=auth_optional)
def list_tags(request, params: Query[TagParams]):
    """Tags of the videos you may see listed (public ones; yours; your groups'
    restricted ones), by slug (``q``: slug prefix, for autocompletion); at most 100."""
    return selectors.tag_list(user=request.auth, q=params.q)[:100]


# --- playlists ----------------------------------------------------------------------


@playlists_router.get("", response=PlaylistPage, auth=auth_optional)
def list_playlists(request, params: Query[PlaylistParams]):
    """Playlists listed for you: public ones, yours and those you collaborate on,
    restricted ones of your groups (``unlisted``: by link only); cursor pagination."""
    return selectors.playlist_list(user=request.auth, **params.dict())


@playlists_router.post("", response={201: PlaylistOut}, auth=auth_required)
def create_playlist(request, payload: PlaylistIn):
    """Create a playlist (any signed-in user); ``restricted`` needs access groups (422)."""
    playlist = services.playlist_create(owner=request.auth, **payload.dict())
    return Status(201, selectors.playlist_get(playlist_id=playlist.pk, user=request.auth))


@playlists_router.get("/{uuid:playlist_id}", response=PlaylistOut, auth=auth_optional)
def get_playlist(request, playlist_id: UUID):
    """A playlist you may see (404 otherwise)."""
    return selectors.playlist_get(playlist_id=playlist_id, user=request.auth)


@playlists_router.patch("/{uuid:playlist_id}", response=PlaylistOut, auth=auth_required)
def update_playlist(request, playlist_id: UUID, payload: PlaylistPatch):
    """Change a playlist (owner, collaborators, staff; ``collaborators``: owner, staff)."""
    playlist = selectors.playlist_get_editable(playlist_id=playlist_id, user=request.auth)
    changes = payload.dict(exclude_unset=True)
    services.playlist_update(playlist=playlist, actor=request.auth, **changes)
    return selectors.playlist_get(playlist_id=playlist_id, user=request.auth)


@playlists_router.delete("/{uuid:playlist_id}", response={204: None}, auth=auth_required)
def delete_playlist(request, playlist_id: UUID):
    """Delete a playlist (owner, staff); its videos stay."""
    playlist = selectors.playlist_get_editable(playlist_id=playlist_id, user=request.auth)
    services.playlist_delete(playlist=playlist, actor=request.auth)
    return Status(204, None)


@playlists_router.get("/{uuid:playlist_id}/items", response=ListedItemPage, auth=auth_optional)
def list_playlist_items(request, playlist_id: UUID, params: Query[CursorParams]):
    """The playlist's videos in order, those you may see only; cursor pagination."""
    playlist = selectors.playlist_get(playlist_id=playlist_id, user=request.auth)
    return selectors.playlist_items(playlist=playlist, user=request.auth, **params.dict())


@playlists_router.post(
    "/{uuid:playlist_id}/items", response={201: ListedItemOut}, auth=auth_required
)
def add_playlist_item(request, playlist_id: UUID, payload: ListedVideoIn):
    """Add a video you may see at ``position`` (editors; 409 ``already_listed``)."""
    playlist = selectors.playlist_get_editable(playlist_id=playlist_id, user=request.auth)
    video = selectors.video_get_visible(video_id=payload.video, user=request.auth)
    item = services.playlist_item_add(playlist=playlist, video=video, position=payload.position)
    return Status(201, item)


@playlists_router.put("/{uuid:playlist_id}/items", response={204: None}, auth=auth_required)
def reorder_playlist(request, playlist_id: UUID, payload: VideoOrderIn):
    """Reorder: the videos sent first, in that order (editors; 422 for a video not in
    the playlist or sent twice)."""
    playlist = selectors.playlist_get_editable(playlist_id=playlist_id, user=request.auth)
    services.playlist_reorder(playlist=playlist, video_ids=payload.videos)
    return Status(204, None)


@playlists_router.delete(
    "/{uuid:playlist_id}/items/{uuid:video_id}", response={204: None}, auth=auth_required
)
def remove_playlist_item(request, playlist_id: UUID, video_id: UUID):
    """Remove a video from the playlist (editors; 404 if not in it)."""
    playlist = selectors.playlist_get_editable(playlist_id=playlist_id, user=request.auth)
    services.playlist_item_remove(playlist=playlist, video_id=video_id)
    return Status(204, None)


# --- favorites ----------------------------------------------------------------------


@favorites_router.get("/me/favorites", response=ListedItemPage, auth=auth_required)
def list_favorites(request, params: Query[CursorParams]):
    """Your favorite videos in your order (those you may still see); cursor pagination."""
    return selectors.favorite_list(user=request.auth, **params.dict())


@favorites_router.post("/me/favorites", response={201: ListedItemOut}, auth=auth_required)
def add_favorite(request, payload: ListedVideoIn):
    """Add a video you may see (409 ``already_listed``)."""
    video = selectors.video_get_visible(video_id=payload.video, user=request.auth)
    item = services.favorite_add(user=request.auth, video=video, position=payload.position)
    return Status(201, item)


@favorites_router.put("/me/favorites", response={204: None}, auth=auth_required)
def reorder_favorites(request, payload: VideoOrderIn):
    """Reorder your favorites: those sent first, in that order."""
    services.favorites_reorder(user=request.auth, video_ids=payload.videos)
    return Status(204, None)


@favorites_router.delete("/me/favorites/{uuid:video_id}", response={204: None}, auth=auth_required)
def remove_favorite(request, video_id: UUID):
    """Remove a video from your favorites (404 if not there)."""
    services.favorite_remove(user=request.auth, video_id=video_id)
    return Status(204, None)
