"""Reads of videos, with the access rules applied in the query (never by filtering in
Python afterwards).

Who sees a video:

- staff (managers, admins): every video;
- its owner and additional owners: their videos, in any state;
- everyone else: only **published** videos (``status=ready`` and not ``is_draft``),
  according to ``visibility``: ``public`` and ``unlisted`` for everyone (anonymous
  included), ``restricted`` for members of one of its access groups, ``password`` with
  a grant for it (see ``api.videos.grants``), ``private`` for nobody else.

What you may not see answers 404, like what does not exist. Editing (PATCH, a new
source) is for owners, additional owners and staff; deleting and changing the
additional owners for the owner and staff; others who can see the video get 403.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from api.accounts.models import User
from api.core.access import can_edit_expression, group_member_q, is_staff, owners_q
from api.core.errors import NotFound, PermissionDenied
from api.core.pagination import DEFAULT_LIMIT, SortKey, keyset_page
from api.videos.grants import VideoGrant, grant_read
from api.videos.models import (
    PUBLIC_Q,
    SEARCH_CONFIG,
    SEARCH_VECTOR,
    SLUG_MAX_LENGTH,
    Video,
    VideoStatus,
    Visibility,
)

_PUBLISHED = Q(status=VideoStatus.READY, is_draft=False)

_CO_OWNERS = Prefetch("additional_owners", queryset=User.objects.only("id", "username"))


def _related(field: str):
    """The model behind one of Video's relations (api.editorial's, api.encoding's): reached
    through the relation, without importing those apps, which sit above api.videos."""
    return Video._meta.get_field(field).related_model


_LATEST_JOBS = Prefetch(
    "encoding_jobs",
    # what EncodingOut shows: not the spec (JSON parsed for nothing)
    queryset=_related("encoding_jobs")
    .objects.only("id", "video_id", "phase", "progress", "created_at")
    .order_by("-created_at"),
    to_attr="latest_jobs",
)


#: the compact editorial objects of ``VideoOut`` (one query each, whatever the page)
_EDITORIAL = (
    Prefetch("channels", queryset=_related("channels").objects.only("id", "slug", "title")),
    Prefetch(
        "themes", queryset=_related("themes").objects.only("id", "slug", "title", "channel_id")
    ),
    Prefetch("disciplines", queryset=_related("disciplines").objects.only("id", "slug", "title")),
    Prefetch("tags", queryset=_related("tags").objects.only("id", "slug", "name")),
)

#: ``?ordering=`` values of video lists; each pages by (key, id), see api.core.pagination
VIDEO_ORDERINGS = {
    "-created_at": SortKey("created_at", datetime, descending=True),
    "created_at": SortKey("created_at", datetime, descending=False),
    "title": SortKey("title", str, descending=False),
    "-title": SortKey("title", str, descending=True),
    # videos without a duration yet (not encoded) sort as 0 s
    "duration": SortKey("sort_duration", float, False, Coalesce("duration", Value(0.0))),
    "-duration": SortKey("sort_duration", float, True, Coalesce("duration", Value(0.0))),
}


def _visible_q(user, grant: VideoGrant | None) -> Q:
    if is_staff(user):
        return Q()
    audience = Q(visibility__in=(Visibility.PUBLIC, Visibility.UNLISTED))
    if grant is not None:
        audience |= Q(
            visibility=Visibility.PASSWORD,
            pk=grant.video_id,
            password_version=grant.password_version,
        )
    if not user.is_authenticated:
        return _PUBLISHED & audience
    audience |= Q(visibility=Visibility.RESTRICTED) & group_member_q(Video, user)
    return owners_q(Video, user) | (_PUBLISHED & audience)


def video_visible_q(user) -> Q:
    """The condition on ``Video`` rows ``user`` may see (without a password grant), for
    other apps' selectors (playlists, favorites)."""
    return _visible_q(user, None)


def _for_output(qs: QuerySet[Video], user) -> QuerySet[Video]:
    """Everything ``VideoOut`` needs, in a constant number of queries; ``user_can_edit``
    is computed by the database."""
    return (
        qs.select_related("owner", "type", "stats", "retention")
        .prefetch_related(_CO_OWNERS, "access_groups", _LATEST_JOBS, *_EDITORIAL)
        .annotate(user_can_edit=can_edit_expression(Video, user))
    )


def videos_visible_to(user, *, grant: str | None = None) -> QuerySet[Video]:
    """Videos ``user`` may see; ``grant``: an ``X-Video-Grant`` token (raises
    InvalidGrant, 403, when it is bad or expired)."""
    parsed = grant_read(grant) if grant else None
    return _for_output(Video.objects.filter(_visible_q(user, parsed)), user)


def _through(relation: str, **conditions) -> Exists:
    field = Video._meta.get_field(relation)
    through = field.remote_field.through.objects.filter(video_id=OuterRef("pk"), **conditions)
    return Exists(through)


def _search(qs: QuerySet[Video], q: str) -> QuerySet[Video]:
    """Full-text search on title, description and tags: PostgreSQL's ``websearch``
    syntax (words, "quoted phrases", -excluded, or) over ``SEARCH_VECTOR`` (GIN
    index ``video_search``); elsewhere (SQLite) every word must appear, case-insensitive,
    in one of those fields."""
    if connections[qs.db].vendor == "postgresql":
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        return qs.alias(document=SEARCH_VECTOR).filter(document=query)
    for word in q.split():
        word = word.strip('"')
        if word:
            qs = qs.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(search_tags__icontains=word)
            )
    return qs


def video_filter(
    qs: QuerySet[Video],
    *,
    q: str | None = None,
    channel: int | None = None,
    theme: int | None = None,
    discipline: int | None = None,
    type: int | None = None,
    tag: str | None = None,
    owner: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    duration_min: float | None = None,
    duration_max: float | None = None,
) -> QuerySet[Video]:
    """Narrow a video list (of videos already visible to the user). ``channel``,
    ``theme``, ``discipline``, ``type``: ids; ``tag``: a tag slug; ``owner``: the
    username of the owner or of an additional owner; dates: ``created_at`` bounds
    (inclusive); durations in seconds (inclusive). Many-to-many filters are ``EXISTS``
    subqueries, so no row comes twice."""
    if q and q.strip():
        qs = _search(qs, q.strip())
    if channel is not None:
        qs = qs.filter(_through("channels", channel_id=channel))
    if theme is not None:
        qs = qs.filter(_through("themes", theme_id=theme))
    if discipline is not None:
        qs = qs.filter(_through("disciplines", discipline_id=discipline))
    if type is not None:
        qs = qs.filter(type_id=type)
    if tag:
        qs = qs.filter(_through("tags", tag__slug=tag.strip().lower()))
    if owner:
        co_owner = _through("additional_owners", user__username=owner)
        qs = qs.filter(Q(owner__username=owner) | Q(co_owner))
    if created_after is not None:
        qs = qs.filter(created_at__gte=created_after)
    if created_before is not None:
        qs = qs.filter(created_at__lte=created_before)
    if duration_min is not None:
        qs = qs.filter(duration__gte=duration_min)
    if duration_max is not None:
        qs = qs.filter(duration__lte=duration_max)
    return qs


def video_list_own(
    *,
    user,
    ordering: str = "-created_at",
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int | None = None,
    **filters,
) -> dict:
    """A page (``api.core.pagination.keyset_page``: ``{"items", "count", "next"}``) of
    the videos the user owns or co-owns, narrowed by ``filters`` (:func:`video_filter`),
    in ``ordering`` (a key of ``VIDEO_ORDERINGS``). A constant number of queries,
    whatever the page holds."""
    own = video_filter(Video.objects.filter(owners_q(Video, user)), **filters)
    return keyset_page(
        own,
        ordering=ordering,
        keys=VIDEO_ORDERINGS,
        limit=limit,
        cursor=cursor,
        offset=offset,
        prepare=lambda qs: _for_output(qs, user),
    )


def video_list_public(
    *,
    ordering: str = "-created_at",
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int | None = None,
    **filters,
) -> dict:
    """A page of the catalog (published public videos, the same for everyone), narrowed
    and ordered like :func:`video_list_own`."""
    public = video_filter(Video.objects.filter(PUBLIC_Q), **filters)
    return keyset_page(
        public,
        ordering=ordering,
        keys=VIDEO_ORDERINGS,
        limit=limit,
        cursor=cursor,
        offset=offset,
        prepare=lambda qs: qs.select_related("owner"),
    )


def video_is_public(*, video_id: UUID) -> bool:
    """Whether the video's media may be served under plain, cacheable URLs."""
    return Video.objects.filter(PUBLIC_Q, pk=video_id).exists()


def video_get(*, video_id: UUID, user, grant: str | None = None) -> Video:
    """A video ``user`` may see (with the grant, if any); raises NotFound (404) otherwise
    (also when it exists but is hidden, so ids are not disclosed)."""
    video = videos_visible_to(user, grant=grant).filter(pk=video_id).first()
    if video is None:
        raise NotFound("No such video.")
    return video


def video_get_by_slug(*, slug: str, user, grant: str | None = None) -> Video:
    """The video whose ``slug`` is ``slug`` (exact match), under the rules of
    :func:`video_get`, but for one: an ``unlisted`` video is found by its slug only by
    those who may edit it (owners, additional owners, staff). Its secret is its id
    link; a slug is made of its title (and, for a V4-imported video, of V4's counting
    id: ``0042-my-lecture``), which is no secret (``api.migration_v4`` refuses V4's old
    links to unlisted videos for the same reason). Raises NotFound (404) when there is
    none or ``user`` may not see it; a bad grant: InvalidGrant (403)."""
    if len(slug) > SLUG_MAX_LENGTH:
        raise NotFound("No such video.")
    video = videos_visible_to(user, grant=grant).filter(slug=slug).first()
    if video is None or (video.visibility == Visibility.UNLISTED and not video.user_can_edit):
        raise NotFound("No such video.")
    return video


def video_get_editable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may change (owners, additional owners, staff); raises NotFound
    (404) or PermissionDenied (403, when the user can see it but not change it)."""
    video = video_get(video_id=video_id, user=user)
    if not video.user_can_edit:
        raise PermissionDenied("Only the owners of this video may change it.")
    return video


def video_get_deletable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may delete (its owner, staff); 404 or 403 like
    :func:`video_get_editable`."""
    video = video_get(video_id=video_id, user=user)
    if not can_manage(user, video):
        raise PermissionDenied("Only the owner of this video may delete it.")
    return video


def video_get_unlockable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may see, or a published password-protected one; 404 otherwise."""
    visible = _visible_q(user, None)  # Q() for staff: everything
    lockable = _PUBLISHED & Q(visibility=Visibility.PASSWORD)
    video = Video.objects.filter(visible | lockable if visible else visible, pk=video_id).first()
    if video is None:
        raise NotFound("No such video.")
    return video


def can_edit(user, video: Video) -> bool:
    """Owners, additional owners and staff (the selectors' ``user_can_edit``)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or video.owner_id == user.pk:
        return True
    annotated = getattr(video, "user_can_edit", None)
    if annotated is not None:
        return bool(annotated)
    return video.additional_owners.filter(pk=user.pk).exists()


def can_manage(user, video: Video) -> bool:
    """The owner and staff: delete, change the additional owners."""
    return bool(user.is_authenticated and (user.is_staff or video.owner_id == user.pk))


def stored_bytes_of_owners(user_ids: list[int]) -> dict[int, int]:
    """``{owner id: bytes}`` stored for the videos each user owns (``owner``, not
    co-owned ones): sources (``source_size``) and current outputs (``output_size``),
    in one aggregate query. The storage quota's usage (``api.accounts.quotas``)."""
    rows = (
        Video.objects.filter(owner_id__in=user_ids)
        .values("owner_id")
        .order_by()
        .annotate(
            stored=Sum(Coalesce(F("source_size"), Value(0)) + Coalesce(F("output_size"), Value(0)))
        )
    )
    return {row["owner_id"]: row["stored"] or 0 for row in rows}
