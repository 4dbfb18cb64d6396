"""The LTI 1.3 tool's endpoints (plain Django views: form posts, redirects, HTML; their
errors answer the envelope). The URLs to give the platform (docs/lms.md):

- ``/lti/login/`` — OIDC login initiation URL (GET or POST);
- ``/lti/launch/`` — the tool (target link) URL and the redirection URI;
- ``/lti/jwks/`` — the tool's public keyset URL (JWK Set, RFC 7517);
- ``/lti/deep-link/`` — where the content picker posts the teacher's choice (ours).

**A resource link launch** shows a video or a playlist (``video``/``playlist`` custom
parameter, or what the link showed before) to the launched user, who must be allowed to
see it (404 otherwise: share restricted videos with the course group). The user is
logged in (a Django session), then: with ``LTI_LAUNCH_REDIRECT_URL`` set, a redirect to
the front end (``{kind}``, ``{id}`` filled in) whose fragment carries ``lti_code``, a
one-time code traded at ``POST /api/v1/lti/session-token`` for a JWT pair (third-party
cookies are blocked in LMS iframes: the code does not need them); without it, the
player page itself (:func:`api.embed.views.player_page`: tokened media URLs, no cookie).

**A deep linking launch** (instructors only) answers the content picker: the ready
videos the teacher may see, a form posting the choice with a signed short-lived token
to ``/lti/deep-link/``, which answers a page auto-submitting the signed
LtiDeepLinkingResponse to the platform's ``deep_link_return_url``.
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from api.accounts.models import User
from api.core.envelope import pod_error_response
from api.core.errors import PermissionDenied, PodError, ValidationFailed
from api.editorial.selectors import playlist_get, playlist_items
from api.embed.views import player_page
from api.lti import selectors, services, tool
from api.lti.errors import LtiInvalidDeepLink, LtiInvalidMessage
from api.videos.selectors import video_get

#: the session's backend: one that is always in AUTHENTICATION_BACKENDS and answers
#: get_user() (local accounts' ModelBackend, whatever USE_LOCAL_AUTH says), else the
#: session would not authenticate the next request
_BACKEND = "api.accounts.local.backends.LocalPasswordBackend"


def launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lti-launch"))


def _framable(response: HttpResponse) -> HttpResponse:
    response.xframe_options_exempt = True  # LMS pages show the tool in an iframe
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oidc_login(request: HttpRequest) -> HttpResponse:
    """The OIDC third-party initiated login: 302 to the platform's auth URL with
    ``state`` (also set as a cookie), ``nonce`` and our launch URL as ``redirect_uri``."""
    try:
        return tool.login_redirect(request, launch_url=launch_url(request))
    except PodError as exc:
        return pod_error_response(exc)


@csrf_exempt
@xframe_options_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """The platform's form post (``id_token``, ``state``): validated, then the user is
    logged in and shown the resource link's target, or the deep linking picker."""
    try:
        message = tool.launch_validate(request)
        claims = message.get_launch_data()
        user = services.lti_user_sync(platform=message.platform, claims=claims)
        login(request, user, backend=_BACKEND)
        if message.is_deep_link_launch():
            return _picker(request, message=message, user=user, claims=claims)
        if message.is_resource_launch():
            return _resource(request, message=message, user=user, claims=claims)
        raise LtiInvalidMessage("Pod handles resource link and deep linking launches only.")
    except PodError as exc:
        return pod_error_response(exc)


def _resource(request, *, message, user: User, claims: dict) -> HttpResponse:
    kind, target_id = services.resource_link_target(platform=message.platform, claims=claims)
    if kind == "video":
        video = video_get(video_id=target_id, user=user)
        title, videos = video.title, [video]
    else:
        playlist = playlist_get(playlist_id=target_id, user=user)
        page = playlist_items(playlist=playlist, user=user, limit=100)
        title, videos = playlist.title, [item.video for item in page["items"]]
    if settings.LTI_LAUNCH_REDIRECT_URL:
        url = settings.LTI_LAUNCH_REDIRECT_URL.format(kind=kind, id=target_id)
        code = services.launch_code_issue(user=user)
        return _framable(HttpResponseRedirect(f"{url}#{urlencode({'lti_code': code})}"))
    return _framable(player_page(request, title=title, videos=videos))


def _picker_page(request, *, token: str, user: User, q: str = "") -> HttpResponse:
    videos = selectors.deep_link_choices(user=user, q=q)
    context = {"token": token, "videos": videos, "q": q, "action": reverse("lti-deep-link")}
    return _framable(render(request, "lti/picker.html", context))


def _picker(request, *, message, user: User, claims: dict) -> HttpResponse:
    if not services.is_instructor(claims):
        raise PermissionDenied("Only instructors may choose content for the course.")
    group = services.context_group_join(platform=message.platform, user=user, claims=claims)
    token = services.deep_link_token_issue(
        platform=message.platform,
        user=user,
        deployment_id=claims[tool.DEPLOYMENT_ID],
        dl_settings=claims[tool.DEEP_LINKING_SETTINGS],
        group=group.code_name if group else "",
    )
    return _picker_page(request, token=token, user=user)


@csrf_exempt  # the signed token is the proof (the iframe may get no cookie)
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    """``GET ?token=&q=``: the picker again (a search); ``POST token, video``: the
    signed LtiDeepLinkingResponse, auto-submitted to the platform. The token must be
    valid (LtiInvalidDeepLink, 403), the video visible to the teacher (404)."""
    try:
        source = request.POST if request.method == "POST" else request.GET
        token = source.get("token", "")
        payload = services.deep_link_token_read(token)
        user = User.objects.filter(pk=payload["u"], is_active=True).first()
        if user is None:
            raise LtiInvalidDeepLink()
        if request.method == "GET":
            return _picker_page(request, token=token, user=user, q=source.get("q", "")[:200])
        try:
            video_id = UUID(source.get("video", ""))
        except ValueError:
            raise ValidationFailed("Choose a video.", field="video") from None
        video = video_get(video_id=video_id, user=user)
        return_url, jwt = services.deep_link_respond(
            token=payload, user=user, video=video, launch_url=launch_url(request)
        )
        context = {"return_url": return_url, "jwt": jwt, "title": video.title}
        return _framable(render(request, "lti/deep_link_response.html", context))
    except PodError as exc:
        return pod_error_response(exc)


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    """The tool's public keys (JWK Set): platforms verify deep linking responses (and,
    later, service token requests) with them."""
    response = JsonResponse(selectors.tool_jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
