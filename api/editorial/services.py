"""Writes on editorial objects. Keyword-only, typed; raise ``api.core.errors``
exceptions (403 ``permission_denied``, 404 ``not_found``, 409 ``conflict``, 422
``validation_error`` with ``field``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Max

from api.accounts.models import AccessGroup, User
from api.core.access import is_staff
from api.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, listing
from api.core.text import slug_words
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
from api.editorial.selectors import channel_contributor_q
from api.videos.models import Video, Visibility


def _unique_slug(model, title: str, *, field: str = "slug", **scope) -> str:
    base = slug_words(title)[:240] or "item"
    slug, n = base, 1
    while model.objects.filter(**{field: slug}, **scope).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _users(usernames: Iterable[str], field: str) -> list[User]:
    names = set(usernames)
    users = list(User.objects.filter(username__in=names, is_active=True))
    unknown = names - {u.username for u in users}
    if unknown:
        raise ValidationFailed(f"Unknown users: {listing(unknown)}.", field=field)
    return users


def _by_ids(model, ids: Iterable[int], field: str) -> list:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted))
    unknown = wanted - {obj.pk for obj in found}
    if unknown:
        raise ValidationFailed(f"Unknown {field}: {listing(unknown)}.", field=field)
    return found


# --- tags ---------------------------------------------------------------------------


def tags_resolve(*, names: Iterable[str]) -> list[Tag]:
    """The tags for ``names`` (normalised by ``tag_slug``), created when new. Raises
    ValidationFailed (422, field ``tags``) for a name with nothing left once
    normalised."""
    wanted: dict[str, str] = {}
    for name in names:
        slug = tag_slug(name)
        if not slug:
            raise ValidationFailed(f"Not a usable tag: {listing([name])}.", field="tags")
        wanted.setdefault(slug, name.strip()[:100])
    Tag.objects.bulk_create(
        [Tag(slug=slug, name=name) for slug, name in wanted.items()], ignore_conflicts=True
    )
    return list(Tag.objects.filter(slug__in=wanted))


# --- video fields -------------------------------------------------------------------


def video_editorial_resolve(
    *,
    video: Video,
    actor: User,
    channels: list[int] | None = None,
    themes: list[int] | None = None,
    disciplines: list[int] | None = None,
    tags: list[str] | None = None,
) -> dict[str, list]:
    """Check and resolve the editorial many-to-many fields of a video (``None``:
    unchanged): ``{"channels": [...], ...}`` for the keys given. A channel the video is
    not in yet needs the actor to own it or be a member (or staff): PermissionDenied
    (403, field ``channels``); each theme must be in one of the video's channels and
    unknown ids are refused: ValidationFailed (422)."""
    resolved: dict[str, list] = {}
    if channels is not None:
        found = _by_ids(Channel, channels, "channels")
        current = set() if video._state.adding else set(video.channels.values_list("pk", flat=True))
        new = [c.pk for c in found if c.pk not in current]
        if new and not is_staff(actor):
            allowed = set(
                Channel.objects.filter(pk__in=new)
                .filter(channel_contributor_q(actor))
                .values_list("pk", flat=True)
            )
            if set(new) - allowed:
                raise PermissionDenied(
                    "You may only add videos to channels you own or are a member of.",
                    field="channels",
                )
        resolved["channels"] = found
    if themes is not None:
        found_themes = _by_ids(Theme, themes, "themes")
        if "channels" in resolved:
            channel_ids = {c.pk for c in resolved["channels"]}
        elif video._state.adding:
            channel_ids = set()
        else:
            channel_ids = set(video.channels.values_list("pk", flat=True))
        if any(t.channel_id not in channel_ids for t in found_themes):
            raise ValidationFailed(
                "Each theme must belong to one of the video's channels.", field="themes"
            )
        resolved["themes"] = found_themes
    elif "channels" in resolved and not video._state.adding:
        # themes of channels the video leaves go with them
        keep = {c.pk for c in resolved["channels"]}
        resolved["themes"] = list(video.themes.filter(channel_id__in=keep))
    if disciplines is not None:
        resolved["disciplines"] = _by_ids(Discipline, disciplines, "disciplines")
    if tags is not None:
        resolved["tags"] = tags_resolve(names=tags)
    return resolved


def video_type_resolve(*, type_id: int | None) -> VideoType | None:
    """The video type of id ``type_id`` (``None``: none); ValidationFailed (422)."""
    if type_id is None:
        return None
    return _by_ids(VideoType, [type_id], "type")[0]


# --- channels and themes ------------------------------------------------------------


@transaction.atomic
def channel_create(
    *,
    actor: User,
    title: str,
    slug: str | None = None,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
    owners: list[str] | None = None,
    members: list[str] | None = None,
) -> Channel:
    """A new channel (staff only: PermissionDenied, 403). ``owners`` default to the
    actor; a taken ``slug``: Conflict (409, field ``slug``)."""
    if not is_staff(actor):
        raise PermissionDenied("Only managers and administrators create channels.")
    if slug and Channel.objects.filter(slug=slug).exists():
        raise Conflict("This slug is taken.", field="slug", code="slug_taken")
    channel = Channel.objects.create(
        title=title,
        slug=slug or _unique_slug(Channel, title),
        description=description,
        visibility=visibility,
    )
    channel.owners.set(_users(owners, "owners") if owners else [actor])
    channel.members.set(_users(members or [], "members"))
    return channel


@transaction.atomic
def channel_update(*, channel: Channel, actor: User, **changes) -> Channel:
    """Change a channel (its owners and staff; ``owners`` by staff only: 403).
    ``owners``/``members``: usernames; ``owners`` may not be empty (422)."""
    if "owners" in changes and not is_staff(actor):
        raise PermissionDenied("Only staff change a channel's owners.", field="owners")
    if (
        changes.get("slug")
        and Channel.objects.filter(slug=changes["slug"]).exclude(pk=channel.pk).exists()
    ):
        raise Conflict("This slug is taken.", field="slug", code="slug_taken")
    owners = changes.pop("owners", None)
    members = changes.pop("members", None)
    for name, value in changes.items():
        if value is not None:
            setattr(channel, name, value)
    channel.save()
    if owners is not None:
        if not owners:
            raise ValidationFailed("A channel needs at least one owner.", field="owners")
        channel.owners.set(_users(owners, "owners"))
    if members is not None:
        channel.members.set(_users(members, "members"))
    return channel


def channel_delete(*, channel: Channel, actor: User) -> None:
    """Delete a channel and its themes (staff only: 403); its videos stay."""
    if not is_staff(actor):
        raise PermissionDenied("Only managers and administrators delete channels.")
    channel.delete()


@transaction.atomic
def theme_create(
    *,
    channel: Channel,
    title: str,
    slug: str | None = None,
    description: str = "",
    parent: int | None = None,
) -> Theme:
    """A theme in ``channel`` (under ``parent``, a theme of the same channel: 422
    otherwise); a taken slug in the channel: Conflict (409)."""
    parent_theme = _theme_parent(channel, parent, None)
    if slug and Theme.objects.filter(channel=channel, slug=slug).exists():
        raise Conflict("This slug is taken in the channel.", field="slug", code="slug_taken")
    return Theme.objects.create(
        channel=channel,
        parent=parent_theme,
        title=title,
        slug=slug or _unique_slug(Theme, title, channel=channel),
        description=description,
    )


def _theme_parent(channel: Channel, parent: int | None, theme: Theme | None) -> Theme | None:
    if parent is None:
        return None
    found = Theme.objects.filter(pk=parent, channel=channel).first()
    if found is None:
        raise ValidationFailed("The parent must be a theme of the same channel.", field="parent")
    node = found
    while node is not None and theme is not None:  # no cycles
        if node.pk == theme.pk:
            raise ValidationFailed("A theme cannot be under itself.", field="parent")
        node = node.parent
    return found


@transaction.atomic
def theme_update(*, theme: Theme, **changes) -> Theme:
    """Change a theme (title, slug, description, parent: ``None`` moves it to the
    top); 422 for a parent elsewhere or a cycle, 409 for a taken slug."""
    if "parent" in changes:
        theme.parent = _theme_parent(theme.channel, changes.pop("parent"), theme)
    slug = changes.get("slug")
    if (
        slug
        and Theme.objects.filter(channel_id=theme.channel_id, slug=slug)
        .exclude(pk=theme.pk)
        .exists()
    ):
        raise Conflict("This slug is taken in the channel.", field="slug", code="slug_taken")
    for name, value in changes.items():
        if value is not None:
            setattr(theme, name, value)
    theme.save()
    return theme


def theme_delete(*, theme: Theme) -> None:
    """Delete a theme and the themes under it; videos lose them."""
    theme.delete()


# --- disciplines and types (staff) --------------------------------------------------


def _staff_only(actor: User) -> None:
    if not is_staff(actor):
        raise PermissionDenied("Only managers and administrators manage this list.")


@transaction.atomic
def vocabulary_create(*, model, actor: User, title: str, slug: str | None = None, **fields):
    """A discipline or a video type (staff only: 403; taken slug: 409)."""
    _staff_only(actor)
    if slug and model.objects.filter(slug=slug).exists():
        raise Conflict("This slug is taken.", field="slug", code="slug_taken")
    return model.objects.create(title=title, slug=slug or _unique_slug(model, title), **fields)


@transaction.atomic
def vocabulary_update(*, obj, actor: User, **changes):
    """Change a discipline or a video type (staff only: 403; taken slug: 409)."""
    _staff_only(actor)
    slug = changes.get("slug")
    if slug and type(obj).objects.filter(slug=slug).exclude(pk=obj.pk).exists():
        raise Conflict("This slug is taken.", field="slug", code="slug_taken")
    for name, value in changes.items():
        if value is not None:
            setattr(obj, name, value)
    obj.save()
    return obj


def vocabulary_delete(*, obj, actor: User) -> None:
    """Delete a discipline or a video type (staff only); videos lose it."""
    _staff_only(actor)
    obj.delete()


# --- playlists ----------------------------------------------------------------------


def _playlist_access(
    playlist: Playlist, visibility: str, access_groups: list[str] | None
) -> list[AccessGroup] | None:
    groups = None
    if access_groups is not None:
        groups = list(AccessGroup.objects.filter(code_name__in=access_groups))
        unknown = set(access_groups) - {g.code_name for g in groups}
        if unknown:
            raise ValidationFailed(
                f"Unknown access groups: {listing(unknown)}.", field="access_groups"
            )
    if visibility == Visibility.RESTRICTED:
        has = (
            bool(groups)
            if groups is not None
            else (not playlist._state.adding and playlist.access_groups.exists())
        )
        if not has:
            raise ValidationFailed(
                "A restricted playlist needs at least one access group.", field="access_groups"
            )
    playlist.visibility = visibility
    return groups


@transaction.atomic
def playlist_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    visibility: str = Visibility.PRIVATE,
    collaborators: list[str] | None = None,
    access_groups: list[str] | None = None,
) -> Playlist:
    """A new, empty playlist of ``owner`` (any signed-in user)."""
    playlist = Playlist(owner=owner, title=title, description=description)
    groups = _playlist_access(playlist, visibility, access_groups or [])
    playlist.save()
    playlist.access_groups.set(groups or [])
    names = set(collaborators or []) - {owner.username}
    playlist.additional_owners.set(_users(names, "collaborators"))
    return playlist


@transaction.atomic
def playlist_update(*, playlist: Playlist, actor: User, **changes) -> Playlist:
    """Change a playlist (owner, collaborators, staff); ``collaborators``: the owner and
    staff only (403)."""
    collaborators = changes.pop("collaborators", None)
    if collaborators is not None and not (is_staff(actor) or playlist.owner_id == actor.pk):
        raise PermissionDenied("Only the owner changes the collaborators.", field="collaborators")
    groups = _playlist_access(
        playlist,
        changes.pop("visibility", None) or playlist.visibility,
        changes.pop("access_groups", None),
    )
    for name, value in changes.items():
        if value is not None:
            setattr(playlist, name, value)
    playlist.save()
    if groups is not None:
        playlist.access_groups.set(groups)
    if collaborators is not None:
        names = set(collaborators) - {playlist.owner.username}
        playlist.additional_owners.set(_users(names, "collaborators"))
    return playlist


def playlist_delete(*, playlist: Playlist, actor: User) -> None:
    """Delete a playlist (owner, staff: 403 otherwise); the videos stay."""
    if not (is_staff(actor) or playlist.owner_id == actor.pk):
        raise PermissionDenied("Only the owner of this playlist may delete it.")
    playlist.delete()


def _insert(model, scope: dict, video: Video, position: int | None):
    """Insert ``video`` at ``position`` (default: the end) among ``scope``'s rows,
    shifting the rows after it; Conflict (409, ``already_listed``) if already there."""
    rows = model.objects.select_for_update().filter(**scope)
    if rows.filter(video=video).exists():
        raise Conflict("This video is already in the list.", code="already_listed", field="video")
    last = rows.aggregate(m=Max("position"))["m"]
    end = 0 if last is None else last + 1
    position = end if position is None or position > end else position
    model.objects.filter(**scope, position__gte=position).update(position=F("position") + 1)
    try:
        with transaction.atomic():
            return model.objects.create(**scope, video=video, position=position)
    except IntegrityError as exc:
        raise Conflict("This video is already in the list.", code="already_listed") from exc


def _remove(model, scope: dict, video_id) -> None:
    row = model.objects.select_for_update().filter(**scope, video_id=video_id).first()
    if row is None:
        raise NotFound("This video is not in the list.")
    row.delete()
    model.objects.filter(**scope, position__gt=row.position).update(position=F("position") - 1)


def _reorder(model, scope: dict, video_ids: list) -> None:
    """``video_ids`` first, in that order; the rows not sent (videos the user can no
    longer see, say) keep their relative order after them."""
    ordered = model.objects.select_for_update().filter(**scope).order_by("position")
    rows = {str(r.video_id): r for r in ordered}
    wanted = [str(v) for v in video_ids]
    if len(set(wanted)) != len(wanted) or set(wanted) - set(rows):
        raise ValidationFailed(
            "Send videos of the list, each once, in the new order.", field="videos"
        )
    wanted += [key for key in rows if key not in set(wanted)]
    for position, video_id in enumerate(wanted):
        row = rows[video_id]
        if row.position != position:
            model.objects.filter(pk=row.pk).update(position=position)


@transaction.atomic
def playlist_item_add(*, playlist: Playlist, video: Video, position: int | None = None):
    """Add a video (one the actor may see: the caller's selector checks it) at
    ``position`` (0-based; default and beyond the end: last)."""
    item = _insert(PlaylistItem, {"playlist": playlist}, video, position)
    Playlist.objects.filter(pk=playlist.pk).update(updated_at=item.added_at)
    return item


@transaction.atomic
def playlist_item_remove(*, playlist: Playlist, video_id) -> None:
    """Remove a video; NotFound (404) if it is not in the playlist."""
    _remove(PlaylistItem, {"playlist": playlist}, video_id)


@transaction.atomic
def playlist_reorder(*, playlist: Playlist, video_ids: list) -> None:
    """Put these videos first, in this order (videos of the playlist, each once: 422)."""
    _reorder(PlaylistItem, {"playlist": playlist}, video_ids)


@transaction.atomic
def favorite_add(*, user: User, video: Video, position: int | None = None) -> Favorite:
    """Add a video to the user's favorites (409 ``already_listed`` if there)."""
    return _insert(Favorite, {"user": user}, video, position)


@transaction.atomic
def favorite_remove(*, user: User, video_id) -> None:
    """Remove a video from the favorites; NotFound (404) if it is not there."""
    _remove(Favorite, {"user": user}, video_id)


@transaction.atomic
def favorites_reorder(*, user: User, video_ids: list) -> None:
    """Put these favorites first, in this order (each once: 422)."""
    _reorder(Favorite, {"user": user}, video_ids)
