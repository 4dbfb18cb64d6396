"""Videos, their source files, caption tracks, chapters and comments.

V4 tables: ``video_video`` (+ ``_additional_owners``, ``_discipline``, ``_channel``,
``_theme``, ``_restrict_access_to_groups``), ``completion_track`` (its file in
``podfile_customfilemodel``, or ``main_customfilemodel`` without podfile),
``chapter_chapter``, ``video_comment`` (``parent_id``: the thread's first comment;
``direct_parent_id``, in recent V4: the comment answered).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.db import transaction

from api.accounts.models import User
from api.captions.models import Chapter, Track, TrackKind
from api.captions.services import chapter_create, chapter_update, track_save
from api.captions.webvtt import caption_to_webvtt
from api.core.errors import PodError
from api.editorial.models import Tag, Theme, tag_slug
from api.editorial.services import tags_resolve
from api.migration_v4 import rules
from api.migration_v4.models import Kind
from api.migration_v4.services import Context
from api.pipeline.services import source_imported
from api.social.models import Comment
from api.uploads.probe import check_media
from api.videos.models import UPLOADABLE, Video, VideoStatus
from api.videos.services import safe_filename

VIDEO_COLUMNS = [
    "id",
    "video",
    "title",
    "slug",
    "type_id",
    "owner_id",
    "description",
    "date_added",
    "is_draft",
    "is_restricted",
    "password",
    "duration",
    "tags",
    "licence",
]
#: the videos written per transaction
CHUNK = 500


def _m2m(ctx: Context, table: str, column: str, kind: str) -> dict[int, list[int]]:
    """V4 video id → our ids of the ``kind`` objects a video's ``table`` links it to."""
    linked: dict[int, list[int]] = {}
    for video_id, other in ctx.source.pairs(table, "video_id", column):
        target = ctx.target(kind, other)
        if target is not None:
            linked.setdefault(video_id, []).append(int(target))
    return linked


def _tags(rows: list[dict]) -> dict[str, Tag]:
    """Every tag the videos name, created when new (``tags_resolve``), by slug."""
    names = {n for row in rows for n in rules.parse_tags(row["tags"]) if tag_slug(n)}
    return {tag.slug: tag for tag in tags_resolve(names=sorted(names))} if names else {}


def import_videos(ctx: Context) -> None:
    """Video metadata: title, V4 slug (the video's ``slug``, set at its first import
    only, and kept in its import record for the old links), description, date added,
    duration, owner and additional owners, draft and visibility
    (:func:`rules.video_visibility`), type, disciplines, channels, themes, tags,
    licence, comments open or closed. A video whose owner was refused is too. The
    source file is the next step's."""
    rows = list(
        ctx.source.rows(
            "video_video", VIDEO_COLUMNS, optional=("disable_comment", "allow_downloading")
        )
    )
    links = {
        "additional_owners": _m2m(ctx, "video_video_additional_owners", "user_id", Kind.USER),
        "disciplines": _m2m(ctx, "video_video_discipline", "discipline_id", Kind.DISCIPLINE),
        "channels": _m2m(ctx, "video_video_channel", "channel_id", Kind.CHANNEL),
        "themes": _m2m(ctx, "video_video_theme", "theme_id", Kind.THEME),
        "access_groups": _m2m(
            ctx, "video_video_restrict_access_to_groups", "accessgroup_id", Kind.ACCESS_GROUP
        ),
    }
    tags = _tags(rows)
    theme_channels = dict(Theme.objects.values_list("pk", "channel_id"))
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic():
            _chunk(ctx, rows[start : start + CHUNK], links, tags, theme_channels)
            ctx.flush()


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


#: the columns a run writes (``status``, the source and outputs are the pipeline's)
FIELDS = [
    "owner",
    "title",
    "description",
    "is_draft",
    "visibility",
    "password",
    "password_version",
    "licence",
    "type",
    "duration",
    "allow_comments",
    "search_tags",
    "created_at",
]


def _chunk(ctx: Context, rows: list[dict], links: dict, tags: dict, theme_channels: dict) -> None:
    """Write one chunk of videos in a few queries: the rows (``bulk_create`` /
    ``bulk_update``, V4's dates included), then each many-to-many relation replaced
    (its rows for these videos deleted and inserted again)."""
    mapped = ctx.mapped(Kind.VIDEO)
    existing = Video.objects.in_bulk([mapped[r["id"]].target_id for r in rows if r["id"] in mapped])
    new, changed, relations = [], [], []
    for row in rows:
        mapping = mapped.get(row["id"])
        video = existing.get(_uuid(mapping.target_id)) if mapping else None
        created = video is None
        before = None if created else _values(video)
        filled = _fill(ctx, row, video or Video(status=VideoStatus.DRAFT), tags, links, created)
        if filled is None:
            continue
        video, video_tags, password_key = filled
        video.created_at = row["date_added"]
        if created:
            # V4's slug becomes the video's, set once (a later run leaves it: stable links)
            video.slug = rules.video_slug(row["id"], row["title"] or "", row["slug"])[:255]
            new.append(video)
        elif _values(video) != before:
            changed.append(video)
        relations.append((row, video, video_tags, password_key))
        ctx.report.done("video", created)
    _free_slugs(ctx, new, relations)
    Video.objects.bulk_create(new)
    # bulk_create stamps created_at with now (auto_now_add): V4's dates, in one UPDATE
    for row, video, _, _ in relations:
        video.created_at = row["date_added"]
    Video.objects.bulk_update(new, ["created_at"], batch_size=CHUNK)
    # the rows V4 changed since the last run (bulk_update costs CPU per field and row)
    Video.objects.bulk_update(changed, FIELDS, batch_size=CHUNK)
    wanted: dict[str, list] = {name: [] for name in M2M}
    for row, video, video_tags, password_key in relations:
        v4_id = row["id"]
        channels = links["channels"].get(v4_id, [])
        targets = {
            "additional_owners": set(links["additional_owners"].get(v4_id, [])) - {video.owner_id},
            "access_groups": links["access_groups"].get(v4_id, []),
            "disciplines": links["disciplines"].get(v4_id, []),
            "channels": channels,
            # our rule: a video's themes are of its channels (others are left out)
            "themes": [
                t for t in links["themes"].get(v4_id, []) if theme_channels.get(t) in channels
            ],
            "tags": [t.pk for t in video_tags],
        }
        for name, ids in targets.items():
            wanted[name] += [(video.pk, pk) for pk in dict.fromkeys(ids)]
        slug = rules.video_slug(v4_id, row["title"] or "", row["slug"])
        ctx.record(Kind.VIDEO, v4_id, video.pk, slug=slug[:255], password=password_key)
    ids = [relation[1].pk for relation in relations]
    for name, (column, other) in M2M.items():
        through = getattr(Video, name).through
        through.objects.filter(video_id__in=ids).delete()
        through.objects.bulk_create(
            [through(**{column: a, other: b}) for a, b in wanted[name]], batch_size=2000
        )


def _free_slugs(ctx: Context, new: list[Video], relations: list) -> None:
    """A V4 slug another video already holds (or one this chunk repeats) is dropped:
    that video gets a new slug at insert (``VideoSlugField``), noted; V4's links still
    find it by its V4 id (``api.migration_v4.selectors``)."""
    taken = set(
        Video.objects.filter(slug__in=[video.slug for video in new]).values_list("slug", flat=True)
    )
    v4_ids = {relation[1].pk: relation[0]["id"] for relation in relations}
    for video in new:
        if video.slug in taken:
            ctx.report.note("video", v4_ids[video.pk], f"slug {video.slug!r} taken: a new one")
            video.slug = ""
        else:
            taken.add(video.slug)


def _values(video: Video) -> tuple:
    return tuple(getattr(video, Video._meta.get_field(f).attname) for f in FIELDS)


#: our many-to-many relations of a video: through-table columns
M2M = {
    "additional_owners": ("video_id", "user_id"),
    "access_groups": ("video_id", "accessgroup_id"),
    "disciplines": ("video_id", "discipline_id"),
    "channels": ("video_id", "channel_id"),
    "themes": ("video_id", "theme_id"),
    "tags": ("video_id", "tag_id"),
}


def _fill(
    ctx: Context, row: dict, video: Video, tags: dict, links: dict, created: bool
) -> tuple[Video, list[Tag], str] | None:
    """Set ``video``'s fields from V4's row (not saved): ``(video, its tags, a digest of
    V4's password)``, or None if its owner was refused."""
    v4_id = row["id"]
    owner_id = ctx.target(Kind.USER, row["owner_id"])
    if owner_id is None:
        ctx.report.refuse("video", v4_id, "its owner was refused")
        return None
    video.owner_id = int(owner_id)
    video.title = (row["title"] or "").strip()[:250] or f"Video {v4_id}"
    video.description = row["description"] or ""
    video.is_draft = bool(row["is_draft"])
    groups = links["access_groups"].get(v4_id, [])
    video.visibility, note = rules.video_visibility(
        is_restricted=bool(row["is_restricted"]), has_groups=bool(groups), password=row["password"]
    )
    if note:
        ctx.report.note("video", v4_id, note)
    mapping = ctx.mapped(Kind.VIDEO).get(v4_id)
    # V4's password changed since the last run (or first run): hash it again
    password_key = hashlib.sha256((row["password"] or "").encode()).hexdigest()
    if mapping is None or mapping.data.get("password") != password_key:
        video.password = rules.password_hash(row["password"])
        video.password_version += 0 if created else 1
    if video.visibility != "password":
        video.password = ""
    video.licence, note = rules.licence(row["licence"])
    if note:
        ctx.report.note("video", v4_id, note)
    type_id = ctx.target(Kind.TYPE, row["type_id"])
    video.type_id = int(type_id) if type_id else None
    if row["duration"] and not video.manifest:
        video.duration = float(row["duration"])
    if row["disable_comment"] is not None:
        video.allow_comments = not row["disable_comment"]
    names = rules.parse_tags(row["tags"])
    video_tags = [tags[s] for s in dict.fromkeys(tag_slug(n) for n in names) if s in tags]
    video.search_tags = " ".join(sorted(tag.slug for tag in video_tags))
    return video, video_tags, password_key


def _media_file(ctx: Context, name: str | None) -> tuple[Path | None, str | None]:
    """``(path, None)`` of a file named relative to V4's MEDIA_ROOT, or ``(None, why)``."""
    if not name:
        return None, "no file in V4"
    if ctx.media_root is None:
        return None, "no --media-root given"
    root = ctx.media_root.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        return None, f"{name!r} is outside --media-root"
    if not path.is_file():
        return None, f"missing file {name!r}"
    return path, None


def import_sources(ctx: Context) -> None:
    """Copy each V4 source file into our storage as the video's source and start its
    encoding (``api.pipeline.services.source_imported``); once per video (a video that
    has a source here, imported or uploaded since, is skipped). Refused: no file,
    a missing file, a file that is not audio/video (the video stays a draft without
    source: its owners may upload one)."""
    mapped = ctx.mapped(Kind.VIDEO)
    sources = {r["id"]: r["video"] for r in ctx.source.rows("video_video", ["id", "video"])}
    videos = Video.objects.in_bulk([m.target_id for m in mapped.values()])
    for v4_id, mapping in mapped.items():
        video = videos.get(_uuid(mapping.target_id))
        if video is None or v4_id not in sources:
            continue
        if mapping.data.get("source") or video.source_name or video.status not in UPLOADABLE:
            ctx.report.skipped("source")
            continue
        path, why = _media_file(ctx, sources[v4_id])
        if path is None:
            ctx.report.refuse("source", v4_id, why)
            continue
        filename = safe_filename(path.name)
        try:
            if ctx.dry_run:
                check_media(path)
            else:
                source_imported(video=video, path=path, filename=filename)
        except (PodError, OSError) as exc:
            ctx.report.refuse("source", v4_id, getattr(exc, "message", None) or str(exc))
            continue
        if not ctx.dry_run:
            ctx.record(Kind.VIDEO, v4_id, video.pk, slug=mapping.slug, source=sources[v4_id])
        ctx.report.imported("source")


def _file_table(ctx: Context) -> str | None:
    for table in ("podfile_customfilemodel", "main_customfilemodel"):
        if ctx.source.has_table(table):
            return table
    return None


def import_tracks(ctx: Context) -> None:
    """Caption tracks: each V4 file (WebVTT, or SRT converted) stored as the video's
    ``lang``/``kind`` track (``track_save``), again only when its content changed.
    Refused: an unknown kind, a missing file, a file that is neither WebVTT nor SRT."""
    table = _file_table(ctx)
    if not ctx.source.has_table("completion_track") or table is None:
        return
    files = {r["id"]: r["file"] for r in ctx.source.rows(table, ["id", "file"])}
    mapped = ctx.mapped(Kind.TRACK)
    rows = list(ctx.source.rows("completion_track", ["id", "video_id", "kind", "lang", "src_id"]))
    for row in rows:
        video = _video_of(ctx, row["video_id"])
        kind, lang = row["kind"], (row["lang"] or "").strip()
        if video is None:
            ctx.report.refuse("track", row["id"], "its video was refused")
            continue
        if kind not in TrackKind.values or not lang:
            ctx.report.refuse("track", row["id"], f"unusable kind or language {kind!r}/{lang!r}")
            continue
        path, why = _media_file(ctx, files.get(row["src_id"]))
        if path is None:
            ctx.report.refuse("track", row["id"], why)
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        mapping = mapped.get(row["id"])
        if (
            mapping
            and mapping.data.get("sha256") == digest
            and Track.objects.filter(pk=mapping.target_id).exists()
        ):
            ctx.report.skipped("track")
            continue
        try:
            if ctx.dry_run:
                caption_to_webvtt(data)
                track, created = None, mapping is None
            else:
                track, created = track_save(
                    video=video, lang=lang, kind=kind, label=lang, data=data, size=len(data)
                )
        except PodError as exc:
            ctx.report.refuse("track", row["id"], exc.message)
            continue
        if track is not None:
            ctx.record(Kind.TRACK, row["id"], track.pk, sha256=digest)
        ctx.report.done("track", created)


def _video_of(ctx: Context, v4_id: int) -> Video | None:
    target = ctx.target(Kind.VIDEO, v4_id)
    return Video.objects.filter(pk=target).first() if target else None


def import_chapters(ctx: Context) -> None:
    """Chapters (title, start in seconds) through ``chapter_create``/``chapter_update``:
    refused when two start at the same second or one starts past the video's end."""
    if not ctx.source.has_table("chapter_chapter"):
        return
    mapped = ctx.mapped(Kind.CHAPTER)
    videos: dict[int, Video | None] = {}
    for row in list(ctx.source.rows("chapter_chapter", ["id", "video_id", "title", "time_start"])):
        if row["video_id"] not in videos:
            videos[row["video_id"]] = _video_of(ctx, row["video_id"])
        video = videos[row["video_id"]]
        if video is None:
            ctx.report.refuse("chapter", row["id"], "its video was refused")
            continue
        title = (row["title"] or "").strip()[:250] or "Chapter"
        start = float(max(row["time_start"] or 0, 0))
        mapping = mapped.get(row["id"])
        chapter = Chapter.objects.filter(pk=mapping.target_id).first() if mapping else None
        try:
            with transaction.atomic():
                if chapter is None:
                    chapter = chapter_create(video=video, title=title, start=start)
                    created = True
                else:
                    chapter = chapter_update(chapter=chapter, video=video, title=title, start=start)
                    created = False
        except PodError as exc:
            ctx.report.refuse("chapter", row["id"], exc.message)
            continue
        ctx.record(Kind.CHAPTER, row["id"], chapter.pk)
        ctx.report.done("chapter", created)


def import_comments(ctx: Context) -> None:
    """Comments with their threads and dates. The parent of a reply is the comment it
    answers (``direct_parent_id``, else V4's ``parent_id``); its root, the thread's
    first comment. Refused: the video or the author was refused, or the parent was."""
    if not ctx.source.has_table("video_comment"):
        return
    mapped = ctx.mapped(Kind.COMMENT)
    rows = list(
        ctx.source.rows(
            "video_comment",
            ["id", "video_id", "author_id", "content", "parent_id", "added"],
            optional=("direct_parent_id",),
        )
    )
    existing = Comment.objects.in_bulk([int(m.target_id) for m in mapped.values()])
    users = set(
        User.objects.filter(
            pk__in=[int(t) for t in (ctx.target(Kind.USER, r["author_id"]) for r in rows) if t]
        ).values_list("pk", flat=True)
    )
    for row in rows:
        video_id = ctx.target(Kind.VIDEO, row["video_id"])
        author_id = ctx.target(Kind.USER, row["author_id"])
        if video_id is None or author_id is None or int(author_id) not in users:
            ctx.report.refuse("comment", row["id"], "its video or its author was refused")
            continue
        parent_v4 = row["direct_parent_id"] or row["parent_id"]
        parent = existing.get(int(ctx.target(Kind.COMMENT, parent_v4) or 0))
        if parent_v4 and parent is None:
            ctx.report.refuse("comment", row["id"], "the comment it answers was refused")
            continue
        mapping = mapped.get(row["id"])
        comment = existing.get(int(mapping.target_id)) if mapping else None
        created = comment is None
        comment = comment or Comment()
        comment.video_id, comment.author_id = video_id, int(author_id)
        comment.text = row["content"] or ""
        comment.parent = parent
        comment.root_id = (parent.root_id or parent.pk) if parent else None
        comment.save()
        Comment.objects.filter(pk=comment.pk).update(created_at=row["added"])
        existing[comment.pk] = comment
        ctx.record(Kind.COMMENT, row["id"], comment.pk)
        ctx.report.done("comment", created)
