"""Bench-only URL map: the application's, plus ``/bench/videos`` (the floor view)."""

from django.urls import path

from api.urls import handler404, handler500, urlpatterns  # noqa: F401
from bench.list_views import bare_videos

urlpatterns = [path("bench/videos", bare_videos), *urlpatterns]
