"""The one NinjaAPI of Pod V5, mounted at ``/api/v1/``.

Routers come from each app's ``api.py``; the envelope and the error mapping live in
``api.core.envelope``; this module only assembles them.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja_extra import NinjaExtraAPI
from ninja_extra.exceptions import APIException

from api.accounts.admin_api import groups_admin_router, users_admin_router
from api.accounts.api import auth_router, groups_router
from api.accounts.api import router as accounts_router
from api.accounts.local import api as local_accounts
from api.analytics import api as analytics
from api.apikeys.api import router as apikeys_router
from api.callbacks.api import router as callbacks_router
from api.captions.api import router as captions_router
from api.core.envelope import (
    EnvelopeRenderer,
    _code_for,
    django_error,
    error,
    error_body,
    validation_errors,
    wrap_openapi,
)
from api.core.errors import PodError, RateLimited
from api.editing import api as editing
from api.editorial import api as editorial
from api.embed.api import router as embed_router
from api.encoding.api import router as encoding_router
from api.enrichment.api import router as enrichment_router
from api.feeds.api import router as feeds_router
from api.live.api import router as live_router
from api.lti.api import router as lti_router
from api.pipeline.api import router as pipeline_router
from api.playback.api import router as playback_router
from api.retention.api import router as retention_router
from api.social.api import router as social_router
from api.streams import api as streams
from api.videos.api import catalog_router
from api.videos.api import router as videos_router
from api.videos.api import users_router as video_owners_router
from api.webhooks.api import router as webhooks_router

logger = logging.getLogger("api.errors")


class RootSwagger(Swagger):
    def get_openapi_url(self, api, path_params) -> str:
        return reverse("openapi-json")


class PodAPI(NinjaExtraAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return wrap_openapi(super().get_openapi_schema(*args, **kwargs))


api = PodAPI(
    title="Pod V5 API",
    version="1.0.0",
    description=(
        "Every JSON response is an envelope: "
        '`{"status": "success"|"error", "data": ..., "errors": [{"code", "message", "field"?}]}`.'
    ),
    renderer=EnvelopeRenderer(),
    urls_namespace="v1",
    # served at /api/openapi.json and /api/docs (see api/urls.py), outside the version prefix
    openapi_url=None,
    docs=RootSwagger(),
)


def _respond(request: HttpRequest, status: int, errors: list[dict], headers=None) -> HttpResponse:
    response = api.create_response(request, error_body(errors), status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(PodError)
def _pod_error(request, exc: PodError):
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return _respond(request, exc.status, [exc.as_error()], headers)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    return _respond(request, 422, validation_errors(exc.errors))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _respond(request, 404, [error("not_found", "Not found.")])


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _respond(
        request,
        401,
        [error("not_authenticated", "Authentication required.")],
        {"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(APIException)
def _extra_error(request, exc: APIException):
    # ninja-extra / ninja-jwt errors: {"detail": ..., "code": ...} or field → [messages]
    detail, codes = exc.detail, exc.get_codes()
    if isinstance(detail, dict) and "detail" in detail:
        code = codes.get("code") if isinstance(codes, dict) else None
        code = code if isinstance(code, str) else _code_for(exc.status_code)
        errors = [error(code, str(detail["detail"]))]
    elif isinstance(detail, dict):
        errors = [
            error("validation_error", str(msg), field)
            for field, msgs in detail.items()
            for msg in (msgs if isinstance(msgs, list) else [msgs])
        ]
    else:
        code = codes if isinstance(codes, str) else _code_for(exc.status_code)
        errors = [error(code, str(detail))]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return _respond(request, exc.status_code, errors, headers)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _respond(request, exc.status_code, [error(_code_for(exc.status_code), str(exc))])


@api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    mapped = django_error(exc)  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413
    if mapped is not None:
        return _respond(request, mapped[0], [mapped[1]])
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(request, 500, [error("internal_error", "Internal server error.")])


api.add_router("/auth", auth_router, tags=["auth"])
api.add_router("/users", accounts_router, tags=["accounts"])
api.add_router("/access-groups", groups_router, tags=["accounts"])
api.add_router("/users", users_admin_router, tags=["administration"])
api.add_router("/users", video_owners_router, tags=["administration"])
api.add_router("/access-groups", groups_admin_router, tags=["administration"])
api.add_router("/auth", local_accounts.auth_router, tags=["auth"])
api.add_router("/users", local_accounts.users_router, tags=["accounts"])
api.add_router("/users", apikeys_router, tags=["api-keys"])
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/videos", videos_router, tags=["videos"])
api.add_router("/videos", playback_router, tags=["playback"])
api.add_router("/videos", social_router, tags=["social"])
api.add_router("/videos", captions_router, tags=["captions"])
api.add_router("/videos", editing.videos_router, tags=["editing"])
api.add_router("/videos", pipeline_router, tags=["encoding"])
api.add_router("/videos", encoding_router, tags=["encoding"])
api.add_router("/videos", retention_router, tags=["retention"])
api.add_router("/videos", feeds_router, tags=["feeds"])
api.add_router("/dressings", editing.dressings_router, tags=["editing"])
api.add_router("/internal", callbacks_router, tags=["internal"])
api.add_router("/live", live_router, tags=["live"])
api.add_router("/channels", editorial.channels_router, tags=["editorial"])
api.add_router("/themes", editorial.themes_router, tags=["editorial"])
api.add_router("/disciplines", editorial.disciplines_router, tags=["editorial"])
api.add_router("/types", editorial.types_router, tags=["editorial"])
api.add_router("/tags", editorial.tags_router, tags=["editorial"])
api.add_router("/playlists", editorial.playlists_router, tags=["playlists"])
api.add_router("/users", editorial.favorites_router, tags=["playlists"])
api.add_router("/videos", embed_router, tags=["embed"])
api.add_router("/lti", lti_router, tags=["lti"])
api.add_router("/videos", analytics.videos_router, tags=["analytics"])
api.add_router("/channels", analytics.channels_router, tags=["analytics"])
api.add_router("/users", analytics.users_router, tags=["analytics"])
api.add_router("/videos", enrichment_router, tags=["enrichment"])
api.add_router("/webhooks", webhooks_router, tags=["webhooks"])
api.add_router("/videos", streams.videos_router, tags=["events"])
api.add_router("/live", streams.live_router, tags=["events"])
