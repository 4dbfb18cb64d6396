from uuid import UUID

from django.conf import settings
from ninja import File, Router
from ninja.files import UploadedFile

from api.accounts.auth import auth_optional, auth_required
from api.playback.schemas import PlayerOut
from api.playback.services import player_config
from api.videos.api import GrantHeader
from api.videos.selectors import video_get, video_get_editable
from api.videos.services import video_thumbnail_clear, video_thumbnail_set

router = Router()


@router.get("/{uuid:video_id}/player", response=PlayerOut, auth=auth_optional)
def get_player(request, video_id: UUID, grant: str | None = GrantHeader):
    """Player config: HLS master URL, MP4 fallbacks, poster, storyboard, tracks,
    chapters, duration and status. Same visibility as the video (404 otherwise; a
    password-protected video needs its ``X-Video-Grant``). Media URLs of non-public
    videos carry an expiring token."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return player_config(request=request, video=video)


@router.post("/{uuid:video_id}/thumbnail", response=PlayerOut, auth=auth_required)
def upload_thumbnail(request, video_id: UUID, file: File[UploadedFile]):
    """Upload a poster image (multipart ``file``: PNG, JPEG or WebP, checked by decoding
    it) that replaces the encoded poster; answers the player config. Over
    ``THUMBNAIL_MAX_SIZE``: 413 ``payload_too_large``; not such an image: 415
    ``unsupported_image``. Owners, additional owners and staff."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    size = file.size
    data = file.read() if size <= settings.THUMBNAIL_MAX_SIZE else b""
    video = video_thumbnail_set(video=video, data=data, size=size)
    return player_config(request=request, video=video)


@router.delete("/{uuid:video_id}/thumbnail", response=PlayerOut, auth=auth_required)
def delete_thumbnail(request, video_id: UUID):
    """Drop the uploaded poster: the encoded one is the poster again; answers the
    player config."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return player_config(request=request, video=video_thumbnail_clear(video=video))
