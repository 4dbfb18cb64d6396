"""Writes of the LTI tool: registrations, the users and course groups of launches, what
a resource link shows, launch codes and deep linking responses.

**Users.** A platform user is a Pod user of its own, found by (platform, ``sub``):
username ``lti<platform id>-<sub>`` (or a hash of a long ``sub``), no password. Its
names and e-mail follow the ``given_name``, ``family_name`` and ``email`` claims at each
launch (:func:`api.accounts.attributes.user_sync_from_attributes`).

**Roles** (LTI 1.3 §5.3.7, the ``roles`` claim): an *instructor* — context role
``Instructor``, ``Administrator`` or ``TeachingAssistant`` (full or short URIs) — gets
the upload right (``can_upload``, with ``LTI_INSTRUCTOR_CAN_UPLOAD``; never taken away)
and may choose content (deep linking). Anyone else (``Learner``...) is a viewer. No LMS
role ever gives Pod's staff rights.

**Course groups.** The ``context`` claim (the course) gives an access group
``lti<platform id>-<hash of the context id>`` (display name: the course's title) that
every user launched from that course joins: a ``restricted`` video with that group is
seen by the course's members. Deep linking a restricted video its owner may change
adds the course's group to it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.registration import Registration
from pylti1p3.roles import TeacherRole, TeachingAssistantRole

from api.accounts.attributes import user_sync_from_attributes
from api.accounts.models import AccessGroup, User
from api.accounts.services import access_group_join, token_pair_for_user
from api.core.errors import Conflict
from api.editorial.models import Playlist
from api.lti.errors import (
    LtiInvalidCode,
    LtiInvalidDeepLink,
    LtiInvalidMessage,
    LtiLinkNotConfigured,
)
from api.lti.models import LtiPlatform, LtiResourceLink, LtiUser
from api.lti.tool import CONTEXT, CUSTOM, RESOURCE_LINK, registration_of
from api.videos.models import Video, Visibility
from api.videos.selectors import can_edit
from api.videos.services import video_update

#: claim → our field, for :func:`user_sync_from_attributes`
_USER_CLAIMS = {"email": "email", "first_name": "given_name", "last_name": "family_name"}
_USERNAME_SAFE = re.compile(r"[\w.@+-]+", re.ASCII)
_CODE_SALT = "podv5.lti-code"
_DEEP_LINK_SALT = "podv5.lti-deep-link"


# --- registrations ------------------------------------------------------------------


def _key_pair() -> tuple[str, str, str]:
    """A new RSA-2048 key pair: (private PEM PKCS#8, public PEM, kid = RFC 7638
    thumbprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public, Registration.get_jwk(public)["kid"]


def platform_create(
    *,
    title: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: list[str] | None = None,
    is_active: bool = True,
) -> LtiPlatform:
    """Register the tool in a platform, with a new tool key pair. Another registration
    with the same issuer and client id: Conflict (409)."""
    private, public, kid = _key_pair()
    try:
        with transaction.atomic():
            return LtiPlatform.objects.create(
                title=title,
                issuer=issuer,
                client_id=client_id,
                auth_login_url=auth_login_url,
                auth_token_url=auth_token_url,
                key_set_url=key_set_url,
                deployment_ids=list(dict.fromkeys(deployment_ids or [])),
                is_active=is_active,
                tool_private_key=private,
                tool_public_key=public,
                tool_key_id=kid,
            )
    except IntegrityError:
        raise Conflict("A registration with this issuer and client id exists.") from None


def platform_update(*, platform: LtiPlatform, rotate_key: bool = False, **changes) -> LtiPlatform:
    """Change a registration (``None`` leaves a field as it is); ``rotate_key``: a new
    tool key pair (the platform fetches it from the tool's JWKS URL). Conflict (409) as
    :func:`platform_create`."""
    for name, value in changes.items():
        if value is not None:
            setattr(
                platform, name, list(dict.fromkeys(value)) if name == "deployment_ids" else value
            )
    if rotate_key:
        platform.tool_private_key, platform.tool_public_key, platform.tool_key_id = _key_pair()
    try:
        with transaction.atomic():
            platform.save()
    except IntegrityError:
        raise Conflict("A registration with this issuer and client id exists.") from None
    return platform


@transaction.atomic
def platform_delete(*, platform: LtiPlatform) -> None:
    """Delete a registration, its users' links and resource links (the Pod users stay)."""
    platform.delete()


# --- launches -------------------------------------------------------------------------


def is_instructor(claims: dict) -> bool:
    """Whether the launch's roles make the user an instructor (module docstring)."""
    return TeacherRole(claims).check() or TeachingAssistantRole(claims).check()


def _username(platform: LtiPlatform, sub: str) -> str:
    name = f"lti{platform.pk}-{sub}"
    if len(name) <= 150 and _USERNAME_SAFE.fullmatch(name):
        return name
    return f"lti{platform.pk}-{hashlib.sha256(sub.encode()).hexdigest()[:40]}"


def _text(value: object, size: int) -> str:
    return value[:size] if isinstance(value, str) else ""


@transaction.atomic
def lti_user_sync(*, platform: LtiPlatform, claims: dict) -> User:
    """The Pod user of the launch's ``sub`` (created on its first launch), its names and
    e-mail from the claims, the upload right for an instructor, the course group
    joined."""
    sub = _text(claims.get("sub"), 255)
    if not sub:
        raise LtiInvalidMessage("The id_token has no sub (user id).")
    link = LtiUser.objects.select_related("user").filter(platform=platform, sub=sub).first()
    if link is None:
        try:
            with transaction.atomic():  # a concurrent first launch of the same user wins
                user = User.objects.create(username=_username(platform, sub))
                link = LtiUser.objects.create(platform=platform, sub=sub, user=user)
        except IntegrityError:
            link = LtiUser.objects.select_related("user").get(platform=platform, sub=sub)
    user = link.user
    if is_instructor(claims) and settings.LTI_INSTRUCTOR_CAN_UPLOAD:
        user.can_upload = True
    user = user_sync_from_attributes(user=user, attributes=claims, names=_USER_CLAIMS)
    link.save(update_fields=["last_launch_at"])
    context_group_join(platform=platform, user=user, claims=claims)
    return user


def context_group_code(platform: LtiPlatform, context_id: str) -> str:
    """The code name of a course context's access group."""
    return f"lti{platform.pk}-{hashlib.sha256(context_id.encode()).hexdigest()[:32]}"


def context_group_join(*, platform: LtiPlatform, user: User, claims: dict) -> AccessGroup | None:
    """Join ``user`` to the access group of the launch's course context (none: None)."""
    context = claims.get(CONTEXT)
    context_id = _text(context.get("id"), 255) if isinstance(context, dict) else ""
    if not context_id:
        return None
    name = _text(context.get("title"), 200) or _text(context.get("label"), 200) or context_id
    return access_group_join(
        user=user,
        code_name=context_group_code(platform, context_id),
        display_name=f"{name} ({platform.title})",
    )


def _uuid(value: object, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise LtiInvalidMessage(
            f"The custom parameter {field} is not an id.", field=field
        ) from None


@transaction.atomic
def resource_link_target(*, platform: LtiPlatform, claims: dict) -> tuple[str, UUID]:
    """What a resource link launch shows: ``("video" | "playlist", id)``, from the
    ``video`` / ``playlist`` custom parameter (remembered for the link) or else from
    what the link showed before. LtiLinkNotConfigured (409) when neither says;
    LtiInvalidMessage (422) for a custom parameter that is not an id."""
    link_claim = claims.get(RESOURCE_LINK) or {}
    link_id = _text(link_claim.get("id"), 255)
    custom = claims.get(CUSTOM)
    custom = custom if isinstance(custom, dict) else {}
    video_id = _uuid(custom["video"], "video") if custom.get("video") else None
    playlist_id = _uuid(custom["playlist"], "playlist") if custom.get("playlist") else None
    link = LtiResourceLink.objects.filter(platform=platform, resource_link_id=link_id).first()
    if video_id or playlist_id:
        video = Video.objects.filter(pk=video_id).first() if video_id else None
        playlist = None if video else Playlist.objects.filter(pk=playlist_id).first()
        if video or playlist:
            context = claims.get(CONTEXT)
            LtiResourceLink.objects.update_or_create(
                platform=platform,
                resource_link_id=link_id,
                defaults={
                    "video": video,
                    "playlist": playlist,
                    "title": _text(link_claim.get("title"), 255),
                    "context_id": _text(context.get("id"), 255)
                    if isinstance(context, dict)
                    else "",
                },
            )
        return ("video", video_id) if video_id else ("playlist", playlist_id)
    if link and link.video_id:
        return "video", link.video_id
    if link and link.playlist_id:
        return "playlist", link.playlist_id
    raise LtiLinkNotConfigured()


def launch_code_issue(*, user: User) -> str:
    """A one-time code for the front end a launch redirects to: traded within
    ``LTI_CODE_SECONDS`` for a JWT pair (:func:`launch_code_redeem`)."""
    return signing.dumps({"u": user.pk, "j": secrets.token_urlsafe(16)}, salt=_CODE_SALT)


def launch_code_redeem(*, code: str) -> dict[str, str]:
    """The JWT pair of a launch code's user; the code is then spent. LtiInvalidCode
    (401): malformed, tampered with, older than ``LTI_CODE_SECONDS``, used, or its user
    inactive."""
    try:
        data = signing.loads(code, salt=_CODE_SALT, max_age=settings.LTI_CODE_SECONDS)
        user_id, jti = int(data["u"]), str(data["j"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LtiInvalidCode() from None
    if not cache.add(f"lti-code:{jti}", 1, settings.LTI_CODE_SECONDS + 5):
        raise LtiInvalidCode()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise LtiInvalidCode()
    return token_pair_for_user(user=user)


# --- deep linking (LTI Deep Linking 2.0) ------------------------------------------------


def deep_link_token_issue(
    *, platform: LtiPlatform, user: User, deployment_id: str, dl_settings: dict, group: str
) -> str:
    """The signed token a picker sends back with the choice: who chooses, for which
    registration and deployment, the platform's deep linking settings, the course group
    (``""``: none). Valid ``LTI_DEEP_LINK_SECONDS``, once."""
    payload = {
        "p": platform.pk,
        "u": user.pk,
        "d": deployment_id,
        "s": dl_settings,
        "g": group,
        "j": secrets.token_urlsafe(16),
    }
    return signing.dumps(payload, salt=_DEEP_LINK_SALT, compress=True)


def deep_link_token_read(token: str) -> dict:
    """The payload of a picker's token; LtiInvalidDeepLink (403) when malformed,
    tampered with or expired (it is not spent: :func:`deep_link_respond` spends it)."""
    try:
        data = signing.loads(token, salt=_DEEP_LINK_SALT, max_age=settings.LTI_DEEP_LINK_SECONDS)
        if not isinstance(data["s"].get("deep_link_return_url"), str):
            raise ValueError
        return data
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise LtiInvalidDeepLink() from None


def deep_link_respond(*, token: dict, user: User, video: Video, launch_url: str) -> tuple[str, str]:
    """The LtiDeepLinkingResponse for the chosen ``video`` (an ``ltiResourceLink`` to
    ``launch_url`` with the custom parameter ``video=<id>``), signed RS256 with the
    registration's tool key (``kid`` in the header): ``(deep_link_return_url, JWT)``.
    A restricted video ``user`` may change gets the course group. Spends the token
    (LtiInvalidDeepLink, 403, when spent already or its registration is gone)."""
    platform = LtiPlatform.objects.filter(pk=token["p"], is_active=True).first()
    if platform is None or token["u"] != user.pk:
        raise LtiInvalidDeepLink()
    if not cache.add(f"lti-deep-link:{token['j']}", 1, settings.LTI_DEEP_LINK_SECONDS + 5):
        raise LtiInvalidDeepLink()
    group = token.get("g") or ""
    if group and video.visibility == Visibility.RESTRICTED and can_edit(user, video):
        codes = list(video.access_groups.values_list("code_name", flat=True))
        if group not in codes:
            video_update(video=video, actor=user, access_groups=[*codes, group])
    resource = (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(video.title)
        .set_custom_params({"video": str(video.id)})
    )
    deep_link = DeepLink(registration_of(platform), token["d"], token["s"])
    return token["s"]["deep_link_return_url"], deep_link.get_response_jwt([resource])
