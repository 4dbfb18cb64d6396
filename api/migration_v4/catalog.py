"""Video types, disciplines, channels, themes, playlists and favorites.

V4 tables: ``video_type``, ``video_discipline``, ``video_channel`` (+ ``_owners``,
``_users``), ``video_theme`` (``parentId_id``), ``playlist_playlist`` (+
``_additional_owners``), ``playlist_playlistcontent`` (``rank``). V4's favorites are the
playlists named "Favorites" with ``editable`` false (``pod.playlist.apps``).
"""

from __future__ import annotations

import uuid

from django.db.models import Model
from django.utils.text import slugify

from api.accounts.models import User
from api.core.errors import PodError
from api.editorial.models import Channel, Discipline, Favorite, Playlist, Theme, VideoType
from api.editorial.services import favorite_add, playlist_item_add, playlist_reorder
from api.migration_v4 import rules
from api.migration_v4.models import Kind
from api.migration_v4.services import Context
from api.videos.models import Video, Visibility


def _free_slug(model: type[Model], slug: str, exclude=None, **scope) -> str:
    """``slug`` if no other row (of ``scope``) has it, else ``slug-2``, ``slug-3``..."""
    base, candidate, n = slug[:240] or "item", slug[:250] or "item", 1
    others = model.objects.filter(**scope)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    while others.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _users(ctx: Context, v4_ids) -> list[int]:
    return [int(t) for t in (ctx.target(Kind.USER, i) for i in v4_ids) if t]


def _pairs(ctx: Context, table: str, left: str, right: str) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for a, b in ctx.source.pairs(table, left, right):
        grouped.setdefault(a, []).append(b)
    return grouped


def _vocabulary(ctx: Context, *, table: str, model: type[Model], kind: str) -> None:
    """Types and disciplines: by V4 id, else merged with ours of the same slug."""
    mapped = ctx.mapped(kind)
    for row in list(ctx.source.rows(table, ["id", "title", "slug"], optional=("description",))):
        title = (row["title"] or "").strip()[:250]
        slug = (row["slug"] or slugify(title))[:250]
        if not title or not slug:
            ctx.report.refuse(kind, row["id"], "no title")
            continue
        mapping = mapped.get(row["id"])
        obj = model.objects.filter(pk=mapping.target_id).first() if mapping else None
        obj = obj or model.objects.filter(slug=slug).first()
        created = obj is None
        obj = obj or model()
        obj.title, obj.description = title, row["description"] or ""
        obj.slug = _free_slug(model, slug, exclude=obj.pk)
        obj.save()
        ctx.record(kind, row["id"], obj.pk)
        ctx.report.done(kind, created)


def import_types(ctx: Context) -> None:
    _vocabulary(ctx, table="video_type", model=VideoType, kind=Kind.TYPE)


def import_disciplines(ctx: Context) -> None:
    _vocabulary(ctx, table="video_discipline", model=Discipline, kind=Kind.DISCIPLINE)


def import_channels(ctx: Context) -> None:
    """Channels with their owners and members (V4's ``users``). A channel V4 does not
    list (``visible`` false) is private here: there is no unlisted channel (noted)."""
    owners = _pairs(ctx, "video_channel_owners", "channel_id", "user_id")
    members = _pairs(ctx, "video_channel_users", "channel_id", "user_id")
    mapped = ctx.mapped(Kind.CHANNEL)
    columns = ["id", "title", "slug", "description", "visible"]
    for row in list(ctx.source.rows("video_channel", columns)):
        title = (row["title"] or "").strip()[:250]
        if not title:
            ctx.report.refuse("channel", row["id"], "no title")
            continue
        mapping = mapped.get(row["id"])
        channel = Channel.objects.filter(pk=mapping.target_id).first() if mapping else None
        created = channel is None
        channel = channel or Channel()
        channel.title, channel.description = title, row["description"] or ""
        slug = (row["slug"] or slugify(title))[:250]
        if channel.slug != slug:
            channel.slug = _free_slug(Channel, slug, exclude=channel.pk)
        channel.visibility = Visibility.PUBLIC if row["visible"] else Visibility.PRIVATE
        if not row["visible"]:
            ctx.report.note("channel", row["id"], "not listed in V4: imported as private")
        channel.save()
        channel.owners.set(_users(ctx, owners.get(row["id"], [])))
        channel.members.set(_users(ctx, members.get(row["id"], [])))
        ctx.record(Kind.CHANNEL, row["id"], channel.pk)
        ctx.report.done("channel", created)


def import_themes(ctx: Context) -> None:
    """Theme trees, parents first; a theme whose channel or parent was refused is too."""
    rows = list(
        ctx.source.rows(
            "video_theme",
            ["id", "title", "slug", "channel_id", "parentId_id"],
            optional=("description",),
        )
    )
    mapped = ctx.mapped(Kind.THEME)
    pending = {row["id"]: row for row in rows}
    while pending:
        ready = [
            r
            for r in pending.values()
            if r["parentId_id"] is None or r["parentId_id"] not in pending
        ]
        for row in ready:
            del pending[row["id"]]
            channel_id = ctx.target(Kind.CHANNEL, row["channel_id"])
            parent_id = ctx.target(Kind.THEME, row["parentId_id"])
            if channel_id is None or (row["parentId_id"] is not None and parent_id is None):
                ctx.report.refuse("theme", row["id"], "its channel or parent theme was refused")
                continue
            mapping = mapped.get(row["id"])
            theme = Theme.objects.filter(pk=mapping.target_id).first() if mapping else None
            created = theme is None
            theme = theme or Theme()
            theme.channel_id, theme.parent_id = int(channel_id), parent_id and int(parent_id)
            theme.title = (row["title"] or "").strip()[:250] or "Theme"
            theme.description = row["description"] or ""
            slug = (row["slug"] or slugify(theme.title))[:250]
            theme.slug = _free_slug(Theme, slug, exclude=theme.pk, channel_id=theme.channel_id)
            theme.save()
            ctx.record(Kind.THEME, row["id"], theme.pk)
            ctx.report.done("theme", created)
        if not ready:  # a cycle of parents: V4 forbids it, refuse what is left
            for row in pending.values():
                ctx.report.refuse("theme", row["id"], "its parents form a cycle")
            break


def _contents(ctx: Context) -> dict[int, list[uuid.UUID]]:
    """Our video ids of each V4 playlist, in V4's ``rank`` order (refused videos left out)."""
    ordered: dict[int, list[tuple[int, int, uuid.UUID]]] = {}
    for row in ctx.source.rows(
        "playlist_playlistcontent", ["id", "playlist_id", "video_id", "rank"]
    ):
        video_id = ctx.target(Kind.VIDEO, row["video_id"])
        if video_id:
            ordered.setdefault(row["playlist_id"], []).append(
                (row["rank"], row["id"], uuid.UUID(video_id))
            )
    return {pid: [v for _, _, v in sorted(items)] for pid, items in ordered.items()}


def import_playlists(ctx: Context) -> None:
    """Playlists (title, description, visibility, collaborators, videos in V4's order)
    and favorites. Videos added here since the last run stay (after V4's, in their
    order); a password-protected V4 playlist is private here (noted)."""
    if not ctx.source.has_table("playlist_playlist"):
        return
    contents = _contents(ctx)
    collaborators = _pairs(ctx, "playlist_playlist_additional_owners", "playlist_id", "user_id")
    mapped = ctx.mapped(Kind.PLAYLIST)
    columns = ["id", "name", "description", "visibility", "owner_id", "editable", "date_created"]
    for row in list(ctx.source.rows("playlist_playlist", columns)):
        owner_id = ctx.target(Kind.USER, row["owner_id"])
        if owner_id is None:
            ctx.report.refuse("playlist", row["id"], "its owner was refused")
            continue
        owner = User.objects.get(pk=owner_id)
        videos = Video.objects.in_bulk(contents.get(row["id"], []))
        wanted = [videos[v] for v in contents.get(row["id"], []) if v in videos]
        if not row["editable"] and row["name"] == rules.FAVORITES_NAME:
            _favorites(ctx, owner, wanted)
            continue
        mapping = mapped.get(row["id"])
        playlist = Playlist.objects.filter(pk=mapping.target_id).first() if mapping else None
        created = playlist is None
        playlist = playlist or Playlist(owner=owner)
        playlist.owner = owner
        playlist.title = (row["name"] or "").strip()[:250] or "Playlist"
        playlist.description = row["description"] or ""
        visibility = rules.PLAYLIST_VISIBILITIES.get(row["visibility"], Visibility.PRIVATE)
        if row["visibility"] == "protected":
            ctx.report.note("playlist", row["id"], "password-protected in V4: imported as private")
        playlist.visibility = visibility
        playlist.save()
        if created and row["date_created"]:
            Playlist.objects.filter(pk=playlist.pk).update(created_at=row["date_created"])
        collab = set(_users(ctx, collaborators.get(row["id"], []))) - {owner.pk}
        playlist.additional_owners.set(collab)
        present = set(playlist.items.values_list("video_id", flat=True))
        for video in wanted:
            if video.pk not in present:
                playlist_item_add(playlist=playlist, video=video)
        if wanted:
            playlist_reorder(playlist=playlist, video_ids=[v.pk for v in wanted])
        ctx.record(Kind.PLAYLIST, row["id"], playlist.pk)
        ctx.report.done("playlist", created)


def _favorites(ctx: Context, owner: User, videos: list[Video]) -> None:
    """Add V4's favorites of ``owner`` not yet among theirs, at the end, in V4's order."""
    present = set(Favorite.objects.filter(user=owner).values_list("video_id", flat=True))
    for video in videos:
        if video.pk in present:
            ctx.report.skipped("favorite")
            continue
        try:
            favorite_add(user=owner, video=video)
        except PodError as exc:  # e.g. already listed by a concurrent request
            ctx.report.refuse("favorite", str(video.pk), exc.message)
            continue
        ctx.report.imported("favorite")
