"""Reads of LTI registrations, and what a launch shows."""

from __future__ import annotations

from django.db.models import QuerySet

from api.core.access import is_staff
from api.core.errors import NotFound, PermissionDenied
from api.lti.models import LtiPlatform, LtiResourceLink
from api.videos.models import Video, VideoStatus
from api.videos.selectors import videos_visible_to

#: videos a deep linking picker lists at most
PICKER_LIMIT = 100


def _staff_only(user) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only managers and administrators manage LTI platforms.")


def platform_list(*, user) -> QuerySet[LtiPlatform]:
    """Every registration (staff only: PermissionDenied, 403)."""
    _staff_only(user)
    return LtiPlatform.objects.all()


def platform_get(*, platform_id: int, user) -> LtiPlatform:
    """One registration (staff only: 403; unknown: NotFound, 404)."""
    _staff_only(user)
    platform = LtiPlatform.objects.filter(pk=platform_id).first()
    if platform is None:
        raise NotFound("No such LTI platform.")
    return platform


def tool_jwks() -> dict:
    """The tool's JWK Set (RFC 7517): the public key of every active registration."""
    from pylti1p3.registration import Registration

    keys = LtiPlatform.objects.filter(is_active=True).values_list("tool_public_key", flat=True)
    return {"keys": [Registration.get_jwk(key) for key in dict.fromkeys(keys)]}


def resource_link_get(*, platform: LtiPlatform, resource_link_id: str) -> LtiResourceLink | None:
    """What a resource link was last seen showing, if anything."""
    return LtiResourceLink.objects.filter(
        platform=platform, resource_link_id=resource_link_id
    ).first()


def deep_link_choices(*, user, q: str | None = None) -> list[Video]:
    """The ready videos ``user`` may see, their own first then newest first, at most
    :data:`PICKER_LIMIT`; ``q``: words in the title."""
    qs = videos_visible_to(user).filter(status=VideoStatus.READY)
    for word in (q or "").split()[:10]:
        qs = qs.filter(title__icontains=word)
    own = list(qs.filter(owner=user)[:PICKER_LIMIT])
    others = list(qs.exclude(owner=user)[: PICKER_LIMIT - len(own)])
    return own + others
