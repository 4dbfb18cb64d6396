"""URL map: the API under /api/v1/ (OpenAPI at /api/openapi.json, docs at /api/docs),
the tus endpoints under /api/v1/uploads/, media under /media/ (public videos) and
/media/t/<token>/ (the others), the admin, Esup-Pod V4's old video and download links
(/video/..., /download/)."""

from functools import partial

from django.contrib import admin
from django.urls import include, path
from ninja.openapi.views import openapi_json, openapi_view

from api.core import admin_login
from api.core.static_files import static_file
from api.core.views import not_found, server_error
from api.embed.views import embed_page, oembed
from api.playback.views import media_file, media_file_tokened
from api.streams.views import live_events, video_events
from api.uploads.views import TusUploadView
from api.v1 import api

# the admin's password form counts against the login rate limits (429 past them)
admin_login.install(admin.site)

urlpatterns = [
    # tus 1.0.0 protocol endpoints (not Ninja: they stream request bodies)
    path("api/v1/uploads/", TusUploadView.as_view(), name="tus-create"),
    path("api/v1/uploads/<uuid:upload_id>", TusUploadView.as_view(), name="tus-upload"),
    # oEmbed answers the bare JSON of its spec (oembed.com), not the envelope: docs/lms.md
    path("api/v1/oembed", oembed, name="oembed"),
    # Server-Sent Events (async views, not Ninja: they stream; docs/events.md)
    path("api/v1/videos/<uuid:video_id>/events", video_events, name="video-events"),
    path("api/v1/live/<uuid:event_id>/events", live_events, name="live-events"),
    path("api/v1/", api.urls),
    path("api/openapi.json", partial(openapi_json, api=api), name="openapi-json"),
    path("api/docs", partial(openapi_view, api=api), name="openapi-docs"),
    # Swagger UI's and the admin's JS/CSS, from the installed packages (no CDN)
    path("static/<path:path>", static_file, name="static"),
    path("media/t/<str:token>/<path:path>", media_file_tokened, name="media-token"),
    path("media/<path:path>", media_file, name="media"),
    path("admin/", admin.site.urls),
    # RSS 2.0 / podcast feeds of channels and playlists (docs/editorial.md)
    path("feeds/", include("api.feeds.urls")),
    # OpenID Connect login (404 unless OIDC_ENABLED): docs/api.md
    path("oidc/", include("api.accounts.oidc")),
    # CAS and Shibboleth sign-in (404 unless USE_CAS / USE_SHIB): docs/auth.md
    path("accounts/cas/", include("api.accounts.cas")),
    path("accounts/shib/", include("api.accounts.shibboleth")),
    # Esup-Pod V4's video and download links: 301 to the new locations (docs/migration.md)
    path("", include("api.migration_v4.urls")),
    # embedding and the LMS (LTI 1.3) tool: docs/lms.md
    path("embed/<uuid:video_id>", embed_page, name="embed-page"),
    path("lti/", include("api.lti.urls")),
]

handler404 = not_found
handler500 = server_error
