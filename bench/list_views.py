"""The floor of ``bench/list_api.py``: a plain Django function view running the same
queries as ``GET /api/v1/videos?limit=20`` (bearer-token user, count, page of the
user's videos with the same prefetches) and answering the same JSON with
``JsonResponse`` — no Ninja, no pydantic."""

from __future__ import annotations

from django.http import JsonResponse

from api.accounts.auth import jwt_auth
from api.core.access import owners_q
from api.videos.models import Video
from api.videos.selectors import _for_output


def _ref(obj) -> dict:
    return {"id": obj.id, "slug": obj.slug, "title": obj.title}


def _user(user) -> dict:
    return {"id": user.id, "username": user.username}


def _item(video: Video) -> dict:
    jobs = video.latest_jobs
    job = jobs[0] if jobs else None
    return {
        "id": str(video.id),
        "title": video.title,
        "description": video.description,
        "status": video.status,
        "error": None,
        "duration": video.duration,
        "owner": _user(video.owner),
        "additional_owners": [_user(u) for u in video.additional_owners.all()],
        "visibility": video.visibility,
        "is_draft": video.is_draft,
        "allow_comments": video.allow_comments,
        "access_groups": [
            {"code_name": g.code_name, "display_name": g.display_name}
            for g in video.access_groups.all()
        ],
        "licence": video.licence,
        "type": _ref(video.type) if video.type else None,
        "channels": [_ref(c) for c in video.channels.all()],
        "themes": [_ref(t) for t in video.themes.all()],
        "disciplines": [_ref(d) for d in video.disciplines.all()],
        "tags": [{"slug": t.slug, "name": t.name} for t in video.tags.all()],
        "source": None,
        "upload": None,
        "encoding": {"job_id": str(job.id), "phase": job.phase, "progress": job.progress}
        if job
        else None,
        "renditions": (video.manifest or {}).get("hls", {}).get("renditions", []),
        "created_at": video.created_at.isoformat(),
        "updated_at": video.updated_at.isoformat(),
    }


def bare_videos(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = jwt_auth.authenticate(request, token)
    limit = int(request.GET.get("limit", 20))
    own = Video.objects.filter(owners_q(Video, user))
    count = own.count()
    rows = list(_for_output(own.order_by("-created_at", "-pk"), user)[: limit + 1])
    items = [_item(v) for v in rows[:limit]]
    data = {"items": items, "count": count, "next": "x" if len(rows) > limit else None}
    return JsonResponse({"status": "success", "data": data, "errors": []})
