"""V4's URL shapes (``api.migration_v4.views``), mounted at the root by ``api.urls``."""

from django.urls import path, re_path

from api.migration_v4 import views

#: V4's slug characters (its ``[\-\d\w]+``), bounded
_SLUG = r"(?P<slug>[-\w]{1,255})"

urlpatterns = [
    re_path(rf"^video/{_SLUG}/$", views.legacy_video, name="v4-video"),
    re_path(
        rf"^video/{_SLUG}/(?P<slug_private>[-\w]{{1,255}})/$",
        views.legacy_video,
        name="v4-video-private",
    ),
    path("download/", views.legacy_download, name="v4-download"),
]
