"""Reads of editorial objects, with the access rules applied in the query.

- Channels: ``public`` ones for everyone; ``private`` ones for their owners, members
  and staff. Owners and staff change a channel and its themes; staff create and delete
  channels. Themes are seen with their channel.
- Disciplines and video types: everyone reads them; staff manage them. Tags come into
  being when a video is tagged; a tag is listed only to those who may see one of its
  videos listed (a private or draft video's tags stay hidden).
- Playlists: the videos' rules without password and drafts (``public`` and
  ``unlisted`` for everyone, ``restricted`` for members of their access groups,
  ``private`` for the owner and collaborators; staff see all). Lists show the
  ``public`` ones, those you own or collaborate on, and the ``restricted`` ones you are
  a member of (``unlisted``: link only). A playlist's items and your favorites only
  show the videos you may see (``api.videos.selectors.video_visible_q``).

What you may not see answers 404; what you see but may not change, 403.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from api.accounts.models import User
from api.core.access import can_edit_expression, group_member_q, is_staff, owners_q
from api.core.errors import NotFound, PermissionDenied
from api.core.pagination import DEFAULT_LIMIT, SortKey, keyset_page
from api.editorial.models import (
    Channel,
    Discipline,
    Favorite,
    Playlist,
    PlaylistItem,
    Tag,
    Theme,
    VideoType,
    tag_slug,
)
from api.videos.models import Video, Visibility
from api.videos.selectors import video_visible_q

LIST_ORDERINGS = {
    "-created_at": SortKey("created_at", datetime, descending=True),
    "created_at": SortKey("created_at", datetime, descending=False),
    "title": SortKey("title", str, descending=False),
    "-title": SortKey("title", str, descending=True),
}
POSITION = {"position": SortKey("position", int, descending=False)}


# --- channels and themes ------------------------------------------------------------


def _channel_role_q(user, relation: str) -> Q:
    through = Channel._meta.get_field(relation).remote_field.through
    return Q(Exists(through.objects.filter(channel_id=OuterRef("pk"), user_id=user.pk)))


def channel_contributor_q(user) -> Q:
    """Channels ``user`` owns or is a member of (may add videos to)."""
    return _channel_role_q(user, "owners") | _channel_role_q(user, "members")


def _channel_visible_q(user) -> Q:
    if is_staff(user):
        return Q()
    public = Q(visibility=Visibility.PUBLIC)
    if not user.is_authenticated:
        return public
    return public | channel_contributor_q(user)


def _channel_can_edit(user):
    if is_staff(user):
        return Value(True)
    if not user.is_authenticated:
        return Value(False)
    return ExpressionWrapper(_channel_role_q(user, "owners"), output_field=BooleanField())


def channels_visible_to(user) -> QuerySet[Channel]:
    """Channels ``user`` may see, with ``user_can_edit`` and their owners prefetched."""
    return (
        Channel.objects.filter(_channel_visible_q(user))
        .annotate(user_can_edit=_channel_can_edit(user))
        .prefetch_related(_users_only("owners"), _users_only("members"))
    )


def _users_only(relation: str) -> Prefetch:
    return Prefetch(relation, queryset=User.objects.only("id", "username"))


def channel_list(
    *,
    user,
    q: str | None = None,
    ordering: str = "title",
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int | None = None,
) -> dict:
    """A page of the channels ``user`` may see (``q``: in the title)."""
    qs = Channel.objects.filter(_channel_visible_q(user))
    if q:
        qs = qs.filter(title__icontains=q.strip())
    return keyset_page(
        qs,
        ordering=ordering,
        keys=LIST_ORDERINGS,
        limit=limit,
        cursor=cursor,
        offset=offset,
        prepare=lambda page: page.annotate(user_can_edit=_channel_can_edit(user)).prefetch_related(
            _users_only("owners"), _users_only("members")
        ),
    )


def channel_get(*, channel_id: int, user) -> Channel:
    """A channel ``user`` may see; NotFound (404) otherwise."""
    channel = channels_visible_to(user).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("No such channel.")
    return channel


def channel_get_editable(*, channel_id: int, user) -> Channel:
    """A channel ``user`` may change (owners, staff); 404, or 403 if only visible."""
    channel = channel_get(channel_id=channel_id, user=user)
    if not channel.user_can_edit:
        raise PermissionDenied("Only the owners of this channel may change it.")
    return channel


def theme_list(*, user, channel: int | None = None) -> QuerySet[Theme]:
    """Themes of the channels ``user`` may see (of one ``channel``), by channel and
    title; ``parent_id`` gives the tree."""
    qs = Theme.objects.filter(channel__in=Channel.objects.filter(_channel_visible_q(user)))
    if channel is not None:
        qs = qs.filter(channel_id=channel)
    return qs.order_by("channel_id", "title", "id")


def theme_get_editable(*, theme_id: int, user) -> Theme:
    """A theme whose channel ``user`` may change; 404, or 403 if only visible."""
    theme = theme_list(user=user).select_related("channel").filter(pk=theme_id).first()
    if theme is None:
        raise NotFound("No such theme.")
    channel_get_editable(channel_id=theme.channel_id, user=user)
    return theme


# --- vocabularies -------------------------------------------------------------------


def discipline_list() -> QuerySet[Discipline]:
    return Discipline.objects.order_by("title", "id")


def video_type_list() -> QuerySet[VideoType]:
    return VideoType.objects.order_by("title", "id")


def vocabulary_get(*, model, obj_id: int):
    """A discipline or video type; NotFound (404)."""
    obj = model.objects.filter(pk=obj_id).first()
    if obj is None:
        raise NotFound(f"No such {model._meta.verbose_name}.")
    return obj


def _listed_videos_q(user) -> Q:
    """Videos whose editorial terms ``user`` may see listed: the videos they may see,
    except ``unlisted`` ones of others (seen by link only, never listed)."""
    if is_staff(user):
        return Q()
    listed = ~Q(visibility=Visibility.UNLISTED)
    if user.is_authenticated:
        listed |= owners_q(Video, user)
    return video_visible_q(user) & listed


def tag_list(*, user, q: str | None = None) -> QuerySet[Tag]:
    """Tags by slug that are on at least one video ``user`` may see listed (public
    published videos for everyone; their own, their groups' restricted ones; staff: all),
    so a tag of a private or draft video never shows to others; ``q``: slug prefix
    (autocompletion)."""
    listed = Video.objects.filter(_listed_videos_q(user), tags=OuterRef("pk"))
    qs = Tag.objects.filter(Exists(listed)).order_by("slug")
    if q:
        qs = qs.filter(slug__startswith=tag_slug(q))
    return qs


# --- playlists ----------------------------------------------------------------------


def _playlist_visible_q(user, *, listed: bool) -> Q:
    if is_staff(user) and not listed:
        return Q()
    audience = Q(visibility=Visibility.PUBLIC)
    if not listed:
        audience |= Q(visibility=Visibility.UNLISTED)
    if not user.is_authenticated:
        return audience
    restricted = Q(visibility=Visibility.RESTRICTED) & group_member_q(Playlist, user)
    return owners_q(Playlist, user) | audience | restricted


def _playlist_output(qs: QuerySet[Playlist], user) -> QuerySet[Playlist]:
    return (
        qs.select_related("owner")
        .prefetch_related(_users_only("additional_owners"), "access_groups")
        .annotate(user_can_edit=can_edit_expression(Playlist, user))
    )


def playlist_list(
    *,
    user,
    owner: str | None = None,
    q: str | None = None,
    ordering: str = "-created_at",
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int | None = None,
) -> dict:
    """A page of the playlists listed for ``user`` (public ones, their own and
    collaborations, restricted ones of their groups); ``owner``: a username."""
    qs = Playlist.objects.filter(_playlist_visible_q(user, listed=True))
    if owner:
        qs = qs.filter(owner__username=owner)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    return keyset_page(
        qs,
        ordering=ordering,
        keys=LIST_ORDERINGS,
        limit=limit,
        cursor=cursor,
        offset=offset,
        prepare=lambda page: _playlist_output(page, user),
    )


def playlist_get(*, playlist_id: UUID, user) -> Playlist:
    """A playlist ``user`` may see; NotFound (404) otherwise."""
    qs = Playlist.objects.filter(_playlist_visible_q(user, listed=False), pk=playlist_id)
    playlist = _playlist_output(qs, user).first()
    if playlist is None:
        raise NotFound("No such playlist.")
    return playlist


def playlist_get_editable(*, playlist_id: UUID, user) -> Playlist:
    """A playlist ``user`` may change (owner, collaborators, staff); 404 or 403."""
    playlist = playlist_get(playlist_id=playlist_id, user=user)
    if not playlist.user_can_edit:
        raise PermissionDenied("Only the owner and collaborators may change this playlist.")
    return playlist


def _visible_videos(user) -> QuerySet[Video]:
    return Video.objects.filter(video_visible_q(user)).values("pk")


def playlist_items(
    *, playlist: Playlist, user, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict:
    """A page of the playlist's items in order, only the videos ``user`` may see."""
    qs = PlaylistItem.objects.filter(playlist=playlist, video_id__in=_visible_videos(user))
    return keyset_page(
        qs,
        ordering="position",
        keys=POSITION,
        limit=limit,
        cursor=cursor,
        prepare=lambda page: page.select_related("video__owner"),
    )


def video_get_visible(*, video_id: UUID, user) -> Video:
    """A video ``user`` may see (to add it to a list); NotFound (404) otherwise."""
    video = Video.objects.filter(video_visible_q(user), pk=video_id).first()
    if video is None:
        raise NotFound("No such video.", field="video")
    return video


def favorite_list(*, user, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """A page of ``user``'s favorites in order, only videos they may still see."""
    qs = Favorite.objects.filter(user=user, video_id__in=_visible_videos(user))
    return keyset_page(
        qs,
        ordering="position",
        keys=POSITION,
        limit=limit,
        cursor=cursor,
        prepare=lambda page: page.select_related("video__owner"),
    )
