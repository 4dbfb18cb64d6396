"""V4's old links, answered with a 301 to the video's new location, 404 otherwise.

Routes (V4's ``pod/video/urls.py`` and ``pod/urls.py``): ``/video/<slug>/`` (V4's
``0042-my-lecture``, also ``0042`` or ``42``), ``/video/<slug>/<private hash>/`` (V4's
private link: the hash is not checked, the target checks access), and ``/download/``
(V4 posts ``filename``, a path under its MEDIA_ROOT; a GET with ``?filename=`` is read
alike). The target: ``V4_REDIRECT_URL`` with ``{id}`` (our video id), ``{v4_id}`` and
``{slug}`` (the video's ``slug``: V4's, kept at import) filled in, e.g.
``https://videos.example.edu/watch/{slug}``; unset, the API's ``GET
/api/v1/videos/{id}``. Which videos are found: ``api.migration_v4.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from api.core.views import not_found
from api.migration_v4 import selectors


def _redirect(request: HttpRequest, found) -> HttpResponse:
    if found is None:
        return not_found(request)
    video, row = found
    template = settings.V4_REDIRECT_URL
    if template:
        url = template.format(id=video.id, v4_id=row.v4_id, slug=video.slug)
    else:
        url = request.build_absolute_uri(reverse("v1:get_video", kwargs={"video_id": video.id}))
    return HttpResponsePermanentRedirect(url)


@require_GET
def legacy_video(request: HttpRequest, slug: str, slug_private: str | None = None):
    """``/video/<slug>/`` and ``/video/<slug>/<private hash>/``: 301 or 404."""
    return _redirect(request, selectors.legacy_video(slug=slug))


@csrf_exempt  # a redirect changes nothing; V4's download form posted here
@require_http_methods(["GET", "POST"])
def legacy_download(request: HttpRequest):
    """``/download/`` with ``filename`` (form field or query): 301 or 404."""
    filename = request.POST.get("filename") or request.GET.get("filename") or ""
    if not filename or len(filename) > 1000:
        return not_found(request)
    return _redirect(request, selectors.legacy_download(filename=filename))
